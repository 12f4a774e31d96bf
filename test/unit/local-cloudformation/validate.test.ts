import { describe, expect, it } from 'vitest';
import { evaluate, type IntrinsicContext } from '#local/cloudformation/intrinsics.ts';
import { knownProperties, preDeploymentProblems } from '#local/cloudformation/validate/properties.ts';
import { propertyProblems, replacementBehaviour } from '#local/cloudformation/validate/schemas.ts';
import { checkTemplateFormat } from '#local/cloudformation/validate/structure.ts';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';

const ctx: IntrinsicContext = {
  region: 'eu-west-1',
  mappings: { Sizes: { small: { timeout: '60' } } },
  condition: () => true,
  ref: (name) => ({ Timeout: '30', Stage: 'prod' })[name] ?? `pseudo-${name}`,
  getAtt: () => {
    throw new Error('no resource exists before provisioning');
  },
  importValue: () => 'imported',
  getAZs: () => ['eu-west-1a', 'eu-west-1b'],
};
const resources = new Set(['Other', 'Queue']);
const known = (raw: unknown) =>
  knownProperties(
    raw,
    (n) => resources.has(n),
    () => true,
    (v) => evaluate(v, ctx),
  );

describe('values known before provisioning', () => {
  it('evaluates parameters and mappings and leaves what needs a resource unresolved', () => {
    const result = known({
      VisibilityTimeout: { Ref: 'Timeout' },
      DelaySeconds: { 'Fn::FindInMap': ['Sizes', 'small', 'timeout'] },
      QueueName: { 'Fn::Sub': '${Other}-queue' },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Other', 'Arn'] }, maxReceiveCount: 5 },
      Tags: [{ Key: 'stage', Value: { 'Fn::Join': ['-', [{ Ref: 'Stage' }, { Ref: 'Other' }]] } }],
    });
    expect(result?.properties.VisibilityTimeout).toBe('30');
    expect(result?.properties.DelaySeconds).toBe('60');
    expect(result?.unresolved.sort()).toEqual([
      '/QueueName',
      '/RedrivePolicy/deadLetterTargetArn',
      '/Tags/0/Value',
    ]);
  });

  it('reports known values the schema refuses and never the unresolved ones', () => {
    const failures = preDeploymentProblems(
      [
        {
          logicalId: 'Logs',
          type: 'AWS::Logs::LogGroup',
          raw: { RetentionInDays: 42, KmsKeyId: { 'Fn::GetAtt': ['Other', 'Value'] } },
        },
        { logicalId: 'Fine', type: 'AWS::SQS::Queue', raw: { VisibilityTimeout: { Ref: 'Timeout' } } },
      ],
      (n) => resources.has(n),
      () => true,
      (v) => evaluate(v, ctx),
    );
    expect(failures).toEqual([
      { logicalId: 'Logs', problems: ['#/RetentionInDays: 42 is not a valid enum value'] },
    ]);
  });
});

describe('registry schema checks', () => {
  it('words problems as the registry does and accepts CloudFormation-style scalars', () => {
    expect(
      propertyProblems('AWS::SQS::Queue', { DelaySeconds: '5', FifoQueue: 'true', QueueName: 7 }),
    ).toEqual([]);
    expect(propertyProblems('AWS::SQS::Queue', { Tags: [{ Key: 'k' }] })).toEqual([
      '#/Tags/0: required key [Value] not found',
    ]);
    // cfn-lint's own additions (formats, service API ranges) are not registry rules: the service refuses those.
    expect(propertyProblems('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/33' })).toEqual([]);
    expect(propertyProblems('AWS::SQS::Queue', { VisibilityTimeout: 50_000 })).toEqual([]);
    expect(propertyProblems('AWS::ECR::Repository', { RepositoryName: 'Upper' })).toEqual([
      '#/RepositoryName: failed validation constraint for keyword [pattern]',
    ]);
    expect(propertyProblems('AWS::Made::Up', {})).toBeUndefined();
  });

  it('derives replacement from createOnlyProperties', () => {
    expect(replacementBehaviour('AWS::SQS::Queue', 'QueueName')).toBe('Always');
    expect(replacementBehaviour('AWS::SQS::Queue', 'VisibilityTimeout')).toBe('Never');
    expect(replacementBehaviour('AWS::Made::Up', 'X')).toBeUndefined();
  });
});

describe('template format', () => {
  const check = (yaml: string) => () => checkTemplateFormat(parseCfnTemplate(yaml));

  it('accepts IAM Condition blocks, Fn::If with AWS::NoValue and conditions referring to conditions', () => {
    expect(
      check(`
Conditions:
  Prod: !Equals [!Ref AWS::Region, eu-west-1]
  NotProd: !Not [{ Condition: Prod }]
Resources:
  Role:
    Type: AWS::IAM::Role
    Condition: Prod
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: ecs-tasks.amazonaws.com }
            Action: sts:AssumeRole
            Condition: { StringEquals: { aws:SourceAccount: !Ref AWS::AccountId } }
      Path: !If [NotProd, /test/, !Ref AWS::NoValue]
`),
    ).not.toThrow();
  });

  it('refuses Fn::Equals outside Conditions and Fn::If inside them', () => {
    expect(
      check('Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { FifoQueue: !Equals [a, a] }\n'),
    ).toThrow(/Encountered unsupported function: Fn::Equals/);
    expect(
      check('Conditions:\n  A: !If [A, true, false]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n'),
    ).toThrow(/Encountered unsupported function: Fn::If/);
  });
});
