import { describe, expect, it } from 'vitest';
import { type CfnTemplate, parseCfnTemplate, stringifyCfnTemplate } from '#shared/cfn-yaml.ts';

describe('stringifyCfnTemplate', () => {
  it('writes intrinsics in short form and parses back to the same template', () => {
    // Prepare
    const template: CfnTemplate = {
      Conditions: { On: { 'Fn::Equals': [{ Ref: 'Mode' }, 'on'] } },
      Resources: {
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: { 'Fn::Sub': '${AWS::StackName}-jobs' },
            DelaySeconds: { 'Fn::If': ['On', 5, { Ref: 'AWS::NoValue' }] },
            Tags: [{ Key: 'dlq', Value: { 'Fn::GetAtt': ['Dlq', 'Arn'] } }],
          },
        },
      },
    };

    // Act
    const text = stringifyCfnTemplate(template);

    // Assess
    expect(text).toContain('QueueName: !Sub ${AWS::StackName}-jobs');
    expect(text).toContain('Value: !GetAtt Dlq.Arn');
    expect(text).toContain('- !Ref AWS::NoValue');
    expect(parseCfnTemplate(text)).toEqual(template);
  });

  it('quotes strings YAML 1.1 would read as booleans or numbers, as CloudFormation parses them', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: { R: { Type: 'T', Properties: { A: 'on', B: 'yes', C: '0.5', D: 'off', E: '2010-09-09' } } },
    };

    // Act
    const text = stringifyCfnTemplate(template);

    // Assess
    for (const value of ['on', 'yes', '0.5', 'off', '2010-09-09']) expect(text).toContain(`'${value}'`);
    expect(parseCfnTemplate(text)).toEqual(template);
  });

  it('writes an object used twice in full both times: CloudFormation rejects YAML aliases', () => {
    // Prepare
    const shared = { Key: 'team', Value: 'web' };
    const template: CfnTemplate = {
      Resources: {
        A: { Type: 'T', Properties: { Tags: [shared] } },
        B: { Type: 'T', Properties: { Tags: [shared] } },
      },
    };

    // Act
    const text = stringifyCfnTemplate(template);

    // Assess
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.match(/Key: team/g)).toHaveLength(2);
  });

  it('adds the header and resource comments, and writes small nested values on one line', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Task: {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: {
            ContainerDefinitions: [{ Name: 'app', Environment: [{ Name: 'A', Value: { Ref: 'A' } }] }],
          },
        },
      },
    };

    // Act
    const text = stringifyCfnTemplate(template, {
      header: 'GENERATED\nby a script',
      resourceComments: { Task: 'The task.' },
      flowThreshold: 40,
    });

    // Assess
    expect(text.startsWith('# GENERATED\n# by a script\n')).toBe(true);
    expect(text).toContain('  # The task.\n  Task:');
    expect(text).toContain('Environment: [ { Name: A, Value: !Ref A } ]');
    expect(text).toContain('- Name: app');
    expect(parseCfnTemplate(text)).toEqual(template);
  });
});
