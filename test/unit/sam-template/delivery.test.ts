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
      'no-on-failure-destination Resources.Fn.Properties.EventInvokeConfig',
      'dead-letter-queue-not-alarmed Resources.Dlq',
      'dead-letter-queue-not-reported Resources.Dlq',
    ]);
  });
});
