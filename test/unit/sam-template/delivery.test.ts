import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { DEAD_LETTER_OUTPUTS } from '#shared/dead-letters.ts';
import { auditDelivery, deadLetterOutputs } from './delivery.ts';

const readTemplate = () => parseCfnTemplate(readFileSync('template.yaml', 'utf8'));

describe('template.yaml drops nothing silently', () => {
  it('retries and dead-letters every rule target and schedule, gives every async function an on-failure destination, alarms every DLQ', () => {
    expect(auditDelivery(readTemplate())).toEqual([]);
  });

  it('outputs exactly the dead-letter queues `stackdrop status` reads', () => {
    expect(deadLetterOutputs(readTemplate()).sort()).toEqual(DEAD_LETTER_OUTPUTS.map((d) => d.output).sort());
  });

  it('catches a schedule without retry or DLQ, a function without destination and an unalarmed DLQ', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: { Events: { Tick: { Type: 'Schedule', Properties: { Schedule: 'rate(5 minutes)' } } } },
        },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Targets: [
              {
                Id: 'x',
                Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
                RetryPolicy: { MaximumRetryAttempts: 1 },
                DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
              },
            ],
          },
        },
        Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
      },
    };

    // Act
    const rules = auditDelivery(template).map((f) => `${f.rule} ${f.path}`);

    // Assess
    expect(rules).toEqual([
      'no-retry-policy Resources.Fn.Properties.Events.Tick',
      'no-dead-letter-queue Resources.Fn.Properties.Events.Tick',
      'dead-letter-queue-refuses-rule Resources.Rule.Properties.Targets[0]',
      'no-on-failure-destination Resources.Fn.Properties.EventInvokeConfig',
      'dead-letter-queue-not-alarmed Resources.Dlq',
      'dead-letter-queue-not-reported Resources.Dlq',
    ]);
  });

  it('catches an SQS event source without MaximumConcurrency', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            Events: {
              Bounded: { Type: 'SQS', Properties: { Queue: 'q', ScalingConfig: { MaximumConcurrency: 10 } } },
              Unbounded: { Type: 'SQS', Properties: { Queue: 'q' } },
            },
          },
        },
      },
    };

    // Act & Assess
    expect(auditDelivery(template).map((f) => `${f.rule} ${f.path}`)).toEqual([
      'sqs-source-without-maximum-concurrency Resources.Fn.Properties.Events.Unbounded',
    ]);
  });

  it('catches a DLQ whose policy does not let the rule send, and a destination the function may not write', () => {
    // Prepare: the queue policy names another rule; the function's role has no sqs:SendMessage.
    const dlq = { 'Fn::GetAtt': ['Dlq', 'Arn'] };
    const delivery = { RetryPolicy: { MaximumRetryAttempts: 1 }, DeadLetterConfig: { Arn: dlq } };
    const template: CfnTemplate = {
      Resources: {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            Events: {
              Changed: { Type: 'EventBridgeRule', Properties: { Pattern: {}, ...delivery } },
              Allowed: { Type: 'EventBridgeRule', Properties: { Pattern: {}, ...delivery } },
            },
            EventInvokeConfig: { DestinationConfig: { OnFailure: { Type: 'SQS', Destination: dlq } } },
            Policies: [{ Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: dlq }] }],
          },
        },
        Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
        DlqPolicy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Dlq' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'events.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: dlq,
                  Condition: { ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': ['FnAllowed', 'Arn'] }] } },
                },
              ],
            },
          },
        },
        DlqAlarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Namespace: 'AWS/SQS',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['Dlq', 'QueueName'] } }],
          },
        },
      },
      Outputs: { DlqDeadLetterQueueUrl: { Value: { Ref: 'Dlq' } } },
    };

    // Act
    const rules = auditDelivery(template).map((f) => `${f.rule} ${f.path}`);

    // Assess
    expect(rules).toEqual([
      'dead-letter-queue-refuses-rule Resources.Fn.Properties.Events.Changed',
      'destination-not-allowed Resources.Fn.Properties.Policies',
    ]);
  });
});
