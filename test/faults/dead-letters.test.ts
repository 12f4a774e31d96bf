import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor, readLocalClock } from '#cli/context.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { queuePolicyAllowsService } from '#local/services/sqs-policy.ts';
import { harness } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

/**
 * Fault drill (issue #13, finding 5): the manifest-upload rule cannot start provisioning (its
 * target call is refused, as when the rule's role lost states:StartExecution). EventBridge does
 * not retry a permission error; the event goes to the rule's DLQ, the DLQ alarm would fire, and
 * `stackdrop status` shows the operator the problem with a hint. Without the DLQ the upload would
 * simply never happen, and nothing anywhere would say so.
 */
describe('fault drill: a dropped manifest upload reaches the operator', () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld();
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const status = async (...args: string[]) =>
    harness(
      { localClock: readLocalClock, clientsFor, sleep: async () => {} },
      { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
    ).run('--local', 'status', ...args);

  it('lands the upload in the event DLQ and `stackdrop status` reports it with a hint', async () => {
    // Prepare
    const { sd, session } = world;
    const provisionArn = sd.outputs.ProvisionStateMachineArn!;
    sd.cloud.faults.failTarget({
      targetArn: provisionArn,
      code: 'AccessDeniedException',
      message: 'events.amazonaws.com is not authorized to perform: states:StartExecution',
    });
    const key = `manifests/dropped-${ENVIRONMENT}.yaml`;

    // Act
    await session.dropManifest(manifestFor('dropped'), key);
    await sd.drain();

    // Assess: no provisioning started, the event is kept with why.
    expect([...sd.stepFunctions.executions.values()].filter((e) => e.input.includes(key))).toEqual([]);
    expect(await session.status('dropped', ENVIRONMENT)).toBeUndefined();
    const sqs = new SQSClient({
      endpoint: sd.endpoint,
      region: sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: sd.outputs.EventDeadLetterQueueUrl!,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    expect(received.Messages).toHaveLength(1);
    const message = received.Messages![0]!;
    expect(JSON.parse(message.Body!).detail.object.key).toBe(key);
    expect(message.MessageAttributes?.ERROR_CODE?.StringValue).toBe('AccessDeniedException');
    expect(message.MessageAttributes?.TARGET_ARN?.StringValue).toBe(provisionArn);

    // Assess: the operator learns of it from `stackdrop status`, for a project or for all.
    const text = await status('dropped');
    const all = await status();
    const json = JSON.parse((await status('--json')).stdout);
    // No status document exists for the project: the DLQ problem comes with that error.
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(
      '! event DLQ holds 1 message: events stackdrop could not deliver or process',
    );
    expect(text.stderr).toContain('hint: read them with `aws sqs receive-message');
    expect(all.stdout).toContain('! event DLQ holds 1 message');
    expect(json.deadLetters).toEqual([expect.objectContaining({ queue: 'event DLQ', messages: 1 })]);
  }, 120_000);

  it('lets every rule that dead-letters put its events into its DLQ (the queue policies as deployed)', async () => {
    // Prepare: every rule target of template.yaml that names a DLQ, as the local cloud runs them.
    const { cloud } = world.sd;
    const pairs = cloud.eventBus.listRules().flatMap((rule) =>
      [...rule.targets.values()]
        .map((t) => (t.DeadLetterConfig as { Arn?: string } | undefined)?.Arn)
        .filter((dlq): dlq is string => dlq !== undefined)
        .map((dlq) => ({ rule: rule.Arn, dlq })),
    );
    expect(pairs.length).toBeGreaterThanOrEqual(6);

    // Act: EventBridge's permission to send, as AWS judges it (the queue's policy alone).
    const refused: string[] = [];
    for (const { rule, dlq } of pairs) {
      const allowed = await queuePolicyAllowsService(cloud.sqs.queue(dlq).attributes.Policy, {
        service: 'events.amazonaws.com',
        action: 'sqs:SendMessage',
        queueArn: dlq,
        sourceArn: rule,
        accountId: cloud.accountId,
      });
      if (!allowed) refused.push(`${rule} → ${dlq}`);
    }

    // Assess
    expect(refused).toEqual([]);
  });

  it('retries a transient failure and delivers without dead-lettering', async () => {
    // Prepare: two throttled calls, then the target answers.
    const { sd } = world;
    sd.cloud.faults.failTarget({
      targetArn: sd.outputs.ProvisionStateMachineArn!,
      code: 'ThrottlingException',
      times: 2,
    });

    // Act
    const ready = await provision(world, 'retried');

    // Assess
    expect(ready.phase).toBe('ready');
    const json = JSON.parse((await status('--json')).stdout);
    expect(json.deadLetters).toEqual([expect.objectContaining({ queue: 'event DLQ', messages: 1 })]);
  }, 120_000);
  it('records a failed reaper run in the event DLQ, and loses it when the role may not send there (as on AWS)', async () => {
    // Prepare: EC2 keeps throttling, so the reaper's run fails (no retries: the next run is the retry).
    const { sd } = world;
    const reaper = sd.plan.functions.find((f) => f.logicalId === 'ReapBastionsFunction')!;
    const sqs = new SQSClient({
      endpoint: sd.endpoint,
      region: sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const failedRuns = async () =>
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: sd.outputs.EventDeadLetterQueueUrl!,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
          }),
        )
      ).Messages?.filter((m) => JSON.parse(m.Body!).requestContext?.functionArn?.includes(reaper.name)) ?? [];
    const run = async () => {
      sd.cloud.faults.throttle({ service: 'ec2', operation: 'DescribeInstances', times: 1000 });
      sd.lambda.invokeAsync(reaper.name, { source: 'aws.events', 'detail-type': 'Scheduled Event' });
      await sd.drain();
      sd.cloud.faults.clear();
    };

    // Act: once as deployed, once without the statement that lets its role send to the DLQ
    // (scheduled runs in the same window fail too: counted, not assumed absent).
    const before = (await failedRuns()).length;
    await run();
    const kept = await failedRuns();
    const role = sd.cloud.iam.roles.get(reaper.roleArn!)!;
    const policies = role.policies;
    role.policies = policies.map((p) => ({
      ...p,
      document: {
        ...p.document,
        Statement: [p.document.Statement]
          .flat()
          .filter((s) => !(s.Sid === 'RecordFailedRuns' && [s.Action].flat().includes('sqs:SendMessage'))),
      },
    }));
    try {
      await run();
    } finally {
      role.policies = policies;
    }

    // Assess
    expect(kept.length).toBeGreaterThan(before);
    expect(JSON.parse(kept.at(-1)!.Body!).requestContext.condition).toBe('RetriesExhausted');
    expect(await failedRuns()).toHaveLength(kept.length);
    expect(sd.lambda.failedDestinations.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sd.lambda.failedDestinations.map((f) => f.functionName))).toEqual(new Set([reaper.name]));
    expect(sd.lambda.failedDestinations[0]!.destination).toContain('EventDeadLetterQueue');
  }, 120_000);
});
