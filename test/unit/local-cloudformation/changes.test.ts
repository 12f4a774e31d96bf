import { describe, expect, it } from 'vitest';
import {
  changedProperties,
  describePropertyChanges,
  type PlannedOutcome,
  replacementOf,
  updateRequiresReplacement,
} from '#local/cloudformation/changes.ts';
import { loadSpec } from '#local/cloudformation/spec.ts';

const spec = loadSpec();
const none: PlannedOutcome = {
  replaced: new Set(),
  modified: new Set(),
  parameters: new Set(),
  changedParameters: new Set(),
};

describe('update behaviour from the spec', () => {
  it('replaces an Aurora cluster when its database name or encryption changes, not its backup window', () => {
    expect(updateRequiresReplacement('AWS::RDS::DBCluster', ['DatabaseName'], spec)).toBe(true);
    expect(updateRequiresReplacement('AWS::RDS::DBCluster', ['StorageEncrypted'], spec)).toBe(true);
    expect(updateRequiresReplacement('AWS::RDS::DBCluster', ['Engine'], spec)).toBe(true);
    expect(
      updateRequiresReplacement(
        'AWS::RDS::DBCluster',
        ['PreferredBackupWindow', 'BackupRetentionPeriod'],
        spec,
      ),
    ).toBe(false);
  });

  it('treats numbers and their string forms as the same value', () => {
    expect(changedProperties({ Port: 3306, Name: 'a' }, { Port: '3306', Name: 'b' })).toEqual(['Name']);
  });
});

describe('change set details', () => {
  it('marks a direct edit of a replacement property as Static and Replacement True', () => {
    // Prepare
    const oldRaw = { QueueName: 'a', VisibilityTimeout: 30 };
    const newRaw = { QueueName: 'b', VisibilityTimeout: 30 };

    // Act
    const details = describePropertyChanges(
      'AWS::SQS::Queue',
      oldRaw,
      newRaw,
      oldRaw,
      newRaw,
      none,
      () => true,
      spec,
    );

    // Assess
    expect(details).toEqual([
      {
        Target: { Attribute: 'Properties', Name: 'QueueName', RequiresRecreation: 'Always' },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      },
    ]);
    expect(replacementOf('AWS::SQS::Queue', details)).toBe('True');
  });

  it('attributes a value change to the parameter that caused it', () => {
    const raw = { VisibilityTimeout: { Ref: 'Timeout' } };
    const outcome = { ...none, changedParameters: new Set(['Timeout']) };
    const details = describePropertyChanges(
      'AWS::SQS::Queue',
      raw,
      raw,
      { VisibilityTimeout: '30' },
      { VisibilityTimeout: '60' },
      outcome,
      () => true,
      spec,
    );
    expect(details).toEqual([
      {
        Target: { Attribute: 'Properties', Name: 'VisibilityTimeout', RequiresRecreation: 'Never' },
        Evaluation: 'Static',
        ChangeSource: 'ParameterReference',
        CausingEntity: 'Timeout',
      },
    ]);
    expect(replacementOf('AWS::SQS::Queue', details)).toBe('False');
  });

  it('reports a reference to a replaced resource as Dynamic and Replacement Conditional', () => {
    const raw = { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.0.0/24' };
    const outcome = { ...none, replaced: new Set(['Vpc']) };
    const details = describePropertyChanges(
      'AWS::EC2::Subnet',
      raw,
      raw,
      raw,
      raw,
      outcome,
      () => true,
      spec,
    );
    expect(details).toEqual([
      {
        Target: { Attribute: 'Properties', Name: 'VpcId', RequiresRecreation: 'Always' },
        Evaluation: 'Dynamic',
        ChangeSource: 'ResourceReference',
        CausingEntity: 'Vpc',
      },
    ]);
    expect(replacementOf('AWS::EC2::Subnet', details)).toBe('Conditional');
  });

  it('scopes a change of Tags to Tags', () => {
    const details = describePropertyChanges(
      'AWS::SQS::Queue',
      { Tags: [{ Key: 'a', Value: '1' }] },
      { Tags: [{ Key: 'a', Value: '2' }] },
      {},
      {},
      none,
      () => true,
      spec,
    );
    expect(details[0]?.Target).toEqual({ Attribute: 'Tags', RequiresRecreation: 'Never' });
  });
});
