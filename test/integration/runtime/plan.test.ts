import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchItemFailures } from '#local/runtime/event-sources.ts';
import { planFromTemplate, REPOSITORY_ROOT, SamTemplateError } from '#local/runtime/index.ts';
import { prepareDefinition } from '#local/runtime/stepfunctions.ts';

const endpoint = 'http://127.0.0.1:4566';

describe('planFromTemplate on stackdrop template.yaml', () => {
  const plan = planFromTemplate({ templatePath: resolve(REPOSITORY_ROOT, 'template.yaml'), endpoint });
  const fn = (logicalId: string) => plan.functions.find((f) => f.logicalId === logicalId)!;

  it('gives each function the environment SAM would, with references resolved to local names', () => {
    // Assess
    const bucket = plan.buckets[0]!.name;
    const deployStack = fn('DeployStackFunction');
    expect(deployStack.entry).toBe(resolve(REPOSITORY_ROOT, 'functions/deploy-stack/index.ts'));
    expect(deployStack.environment).toMatchObject({
      STATE_BUCKET: bucket,
      EVENT_BUS_NAME: 'default',
      CFN_ROLE_ARN: plan.outputs.CloudFormationServiceRoleArn,
      TEMPLATES_DIR: resolve(REPOSITORY_ROOT, 'templates'),
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: deployStack.name,
    });
    const deployQueue = plan.queues.find((q) => q.logicalId === 'DeployQueue')!;
    expect(fn('RollServiceFunction').environment.DEPLOY_QUEUE_URL).toBe(
      `${endpoint}/000000000000/${deployQueue.name}`,
    );
    expect(fn('ReapBastionsFunction').name).toBe('stackdrop-reap-bastions');
    expect(fn('ReapBastionsFunction').asyncRetries).toBe(0);
    expect(fn('RollServiceFunction').timeoutSeconds).toBe(900);
  });

  it('creates the bucket, FIFO queues with redrive, the rules, schedules and the SQS mapping', () => {
    // Assess
    expect(plan.buckets).toEqual([expect.objectContaining({ versioning: true, eventBridge: true })]);
    const deployQueue = plan.queues.find((q) => q.logicalId === 'DeployQueue')!;
    expect(deployQueue.name.endsWith('.fifo')).toBe(true);
    expect(JSON.parse(deployQueue.attributes.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: plan.queues.find((q) => q.logicalId === 'DeployDeadLetterQueue')!.arn,
      maxReceiveCount: 5,
    });
    expect(plan.eventSourceMappings).toEqual([
      expect.objectContaining({
        functionName: fn('RollServiceFunction').name,
        queueArn: deployQueue.arn,
        batchSize: 10,
        reportBatchItemFailures: true,
      }),
    ]);
    const manifestRule = plan.rules.find((r) => r.source === 'ProvisionStateMachine.ManifestUploaded')!;
    expect(JSON.parse(manifestRule.eventPattern!).detail.bucket.name).toEqual([plan.buckets[0]!.name]);
    expect(manifestRule.targets[0]!.Arn).toBe(plan.outputs.ProvisionStateMachineArn);
    expect(plan.rules.filter((r) => r.scheduleExpression === 'rate(5 minutes)')).toHaveLength(2);
  });

  it('applies DefinitionSubstitutions to the state machines', () => {
    // Assess
    const provision = plan.stateMachines.find((m) => m.logicalId === 'ProvisionStateMachine')!;
    expect(provision.name).toBe('stackdrop-provision');
    expect(JSON.stringify(provision.definition)).not.toContain('${');
    expect(JSON.stringify(provision.definition)).toContain(fn('DeployStackFunction').arn);
  });
});

describe('planFromTemplate refusals', () => {
  it('names a resource type the runtime cannot run', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'sam-'));
    const path = join(dir, 'template.yaml');
    writeFileSync(path, 'Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n');

    // Act
    const act = () => planFromTemplate({ templatePath: path, endpoint });

    // Assess
    expect(act).toThrow(SamTemplateError);
    expect(act).toThrow(/Table: the local runtime does not know how to run AWS::DynamoDB::Table/);
  });
});

describe('prepareDefinition', () => {
  it('drops ResultPath "$" and gives Tasks without TimeoutSeconds the Step Functions ceiling', () => {
    // Act
    const { definition, tasks } = prepareDefinition({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-west-1:0:function:f',
          ResultPath: '$',
          HeartbeatSeconds: 5,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'B' }],
          Next: 'B',
        },
        B: { Type: 'Succeed' },
      },
    } as never);

    // Assess
    const a = (definition.States as unknown as Record<string, Record<string, unknown>>).A!;
    expect('ResultPath' in a).toBe(false);
    expect('ResultPath' in (a.Catch as Record<string, unknown>[])[0]!).toBe(false);
    expect(a.TimeoutSeconds).toBe(99_999_999);
    expect('HeartbeatSeconds' in a).toBe(false);
    expect(tasks.get('A')?.HeartbeatSeconds).toBe(5);
  });
});

describe('batchItemFailures', () => {
  it('keeps only the listed messages, and fails the whole batch on an unknown id or unreadable response', () => {
    // Assess
    expect([...batchItemFailures('{"batchItemFailures":[{"itemIdentifier":"b"}]}', ['a', 'b'])]).toEqual([
      'b',
    ]);
    expect([...batchItemFailures('{"batchItemFailures":[]}', ['a', 'b'])]).toEqual([]);
    expect([...batchItemFailures('null', ['a'])]).toEqual([]);
    expect([...batchItemFailures('{"batchItemFailures":[{"itemIdentifier":"zz"}]}', ['a', 'b'])]).toEqual([
      'a',
      'b',
    ]);
    expect([...batchItemFailures('not json', ['a'])]).toEqual(['a']);
  });
});
