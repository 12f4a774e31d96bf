import { RegisterTaskDefinitionCommand, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { type BatchDeps, handleDeployBatch } from '#shared/rollout/batch.ts';
import { ACCOUNT, digest, ecrEvent, FakeAws, pushEvent, REGION, sqsEvent, sqsRecord } from './fake-aws.ts';

const aws = new FakeAws();
const REPO = 'acme-production';
const URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPO}`;
const T0 = new Date('2026-11-26T06:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** A Lambda context with 15 minutes left, on the fake clock. */
const context = { getRemainingTimeInMillis: () => 900_000 };

const deps = (overrides: Partial<BatchDeps> = {}) => aws.batchDeps(overrides);

/** A push of `digest(n)` with the deploy tag at T0 + seconds, already in ECR. */
function push(
  n: number,
  seconds: number,
  tag: string | undefined = 'main',
  id = `evt-${n}-${seconds}`,
): SQSRecord {
  aws.pushImage(REPO, digest(n), tag, at(seconds));
  return sqsRecord(pushEvent(REPO, digest(n), tag, at(seconds), id), `msg-${id}`);
}

beforeEach(() => {
  aws.reset();
});

describe('roll-service: a push of the deploy tag', () => {
  it('registers pinned revisions, runs the release task, updates every service and records success', async () => {
    aws.addProject();

    const response = await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    const pinned = `${URI}@${digest(1)}`;
    const registered = aws.mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(registered.map((r) => r.family).sort()).toEqual([
      'stackdrop-acme-production-release',
      'stackdrop-acme-production-scheduler',
      'stackdrop-acme-production-web',
      'stackdrop-acme-production-worker-default',
    ]);
    for (const input of registered) {
      expect(input.containerDefinitions?.[0]?.image).toBe(pinned);
      // Sidecars keep their own image; read-only fields are not sent back.
      expect(input.containerDefinitions?.[1]?.image).toContain('aws-for-fluent-bit');
      expect(input).not.toHaveProperty('revision');
      expect(input).not.toHaveProperty('requiresAttributes');
      expect(input.tags).toEqual([{ key: 'stackdrop:project', value: 'acme' }]);
    }
    expect(aws.mocks.ecs).toHaveReceivedCommandWith(RunTaskCommand, {
      cluster: 'stackdrop-acme-production',
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-app'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: 'app', command: ['php', 'artisan', 'migrate', '--force'] }] },
    });
    expect(aws.updates.map((u) => u.service).sort()).toEqual([
      'acme-production-scheduler',
      'acme-production-web',
      'acme-production-worker-default',
    ]);
    for (const update of aws.updates) {
      expect(aws.imageOf(update.taskDefinition!)).toBe(pinned);
      expect(update.desiredCount).toBeUndefined();
    }
    const record = aws.status().deploys.at(-1)!;
    expect(record).toMatchObject({
      id: 'evt-1-0',
      digest: digest(1),
      tag: 'main',
      imageUri: pinned,
      pushedAt: T0.toISOString(),
      outcome: 'succeeded',
    });
    expect(record.finishedAt).toBeDefined();
    expect(aws.status().phase).toBe('ready');
    expect(aws.published).toEqual([
      expect.objectContaining({
        detailType: 'Deploy Succeeded',
        detail: expect.objectContaining({ project: 'acme', environment: 'production', digest: digest(1) }),
      }),
    ]);
  });

  it('runs the release task before any service is updated', async () => {
    aws.addProject();

    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    const order = aws.mocks.ecs
      .calls()
      .map((c) => (c.args[0] as object).constructor.name)
      .filter((name) => name === 'RunTaskCommand' || name === 'UpdateServiceCommand');
    expect(order[0]).toBe('RunTaskCommand');
    expect(order.slice(1).every((name) => name === 'UpdateServiceCommand')).toBe(true);
  });

  it('scales services of a stack created without an image from 0 to the manifest counts', async () => {
    aws.addProject({
      stackImageUri: '',
      webDesiredCount: 3,
      workers: [
        { name: 'default', desiredCount: 2 },
        { name: 'mail', desiredCount: 1 },
      ],
    });

    const response = await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    const counts = Object.fromEntries(aws.updates.map((u) => [u.service, u.desiredCount]));
    expect(counts).toEqual({
      'acme-production-web': 3,
      'acme-production-worker-default': 2,
      'acme-production-worker-mail': 1,
      'acme-production-scheduler': 1,
    });
    // The placeholder image of the essential container is replaced by the pushed one.
    expect(aws.imageOf(aws.service('acme-production-web').taskDefinition)).toBe(`${URI}@${digest(1)}`);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('succeeded');
  });

  it('skips the release step when the manifest has no release command', async () => {
    aws.addProject({ release: undefined });

    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    expect(aws.mocks.ecs).not.toHaveReceivedCommand(RunTaskCommand);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('succeeded');
  });
});

describe('roll-service: what it ignores', () => {
  it('ignores a repository stackdrop does not manage, with no ECS call and no status write', async () => {
    aws.addProject();
    const event = pushEvent('someone-else', digest(1), 'main', T0, 'evt-x');

    const response = await handleDeployBatch(sqsEvent(sqsRecord(event, 'm1')), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
    expect(aws.status().deploys).toEqual([]);
  });

  it('ignores pushes of other tags and untagged pushes to a managed repository', async () => {
    aws.addProject();
    const untagged = ecrEvent('push-untagged');

    const response = await handleDeployBatch(
      sqsEvent(push(1, 0, 'sha-abc123'), sqsRecord(untagged, 'm-untagged')),
      context,
      deps(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
    expect(aws.status().deploys).toEqual([]);
  });

  it('ignores image deletions and drops a message that is not an ECR event', async () => {
    aws.addProject();
    const garbage: SQSRecord = { ...sqsRecord(ecrEvent('push'), 'm-garbage'), body: '{"hello":"world"}' };

    const response = await handleDeployBatch(
      sqsEvent(sqsRecord(ecrEvent('delete'), 'm-del'), garbage),
      context,
      deps(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
  });

  it('deploys the same digest once: a second push of a deployed digest changes nothing', async () => {
    aws.addProject();
    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());
    const updatesAfterFirst = aws.updates.length;

    const response = await handleDeployBatch(sqsEvent(push(1, 600, 'main', 'evt-again')), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.updates).toHaveLength(updatesAfterFirst);
    expect(aws.status().deploys.filter((d) => d.outcome === 'succeeded')).toHaveLength(1);
  });

  it('never rolls back to an image pushed before the deployed one', async () => {
    aws.addProject();
    await handleDeployBatch(sqsEvent(push(2, 60)), context, deps());
    // The tag is moved back onto an older image (its push time is older than the deployed one).
    aws.repos.get(REPO)!.images = [{ digest: digest(1), tag: 'main', pushedAt: at(0) }];
    const updates = aws.updates.length;

    const late = sqsRecord(pushEvent(REPO, digest(1), 'main', at(0), 'evt-late'), 'm-late');
    await handleDeployBatch(sqsEvent(late), context, deps());

    expect(aws.updates).toHaveLength(updates);
    expect(aws.status().deploys.at(-1)).toMatchObject({ digest: digest(2), outcome: 'succeeded' });
  });
});

describe('roll-service: coalescing', () => {
  it('coalesces a batch to the newest push of the repository, whatever the delivery order', async () => {
    aws.addProject();
    const records = [push(3, 30), push(1, 10), push(4, 40, 'sha-4'), push(2, 20)];

    const response = await handleDeployBatch(sqsEvent(...records), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    const deployed = aws.status().deploys.filter((d) => d.outcome === 'succeeded');
    expect(deployed).toHaveLength(1);
    expect(deployed[0]!.digest).toBe(digest(3));
    expect(new Set(aws.updates.map((u) => aws.imageOf(u.taskDefinition!)))).toEqual(
      new Set([`${URI}@${digest(3)}`]),
    );
  });

  it('deploys the image the deploy tag points to when a newer push is still queued behind', async () => {
    aws.addProject();
    const first = push(1, 0);
    aws.pushImage(REPO, digest(2), 'main', at(5));

    await handleDeployBatch(sqsEvent(first), context, deps());

    expect(aws.status().deploys.at(-1)).toMatchObject({ digest: digest(2), outcome: 'succeeded' });
  });
});

describe('roll-service: rollback', () => {
  it('redeploys an earlier digest sent by `stackdrop rollback` (an event stamped with the time of the request)', async () => {
    aws.addProject();
    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());
    await handleDeployBatch(sqsEvent(push(2, 60)), context, deps());
    const rollback = pushEvent(REPO, digest(1), 'main', at(600), 'stackdrop-rollback-abc');

    const response = await handleDeployBatch(sqsEvent(sqsRecord(rollback, 'm-rollback')), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.status().deploys.map((d) => [d.digest, d.outcome])).toEqual([
      [digest(1), 'succeeded'],
      [digest(2), 'succeeded'],
      [digest(1), 'succeeded'],
    ]);
    expect(aws.imageOf(aws.service('acme-production-web').taskDefinition)).toBe(`${URI}@${digest(1)}`);
    expect(aws.status().deploys.at(-1)?.pushedBy).toBe('stackdrop rollback');
  });
});

describe('roll-service: a project that is not ready', () => {
  it('records a push while the project is provisioning as deferred and acknowledges it', async () => {
    aws.addProject({ phase: 'provisioning' });

    const response = await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
    expect(aws.status().deploys).toEqual([
      expect.objectContaining({
        id: 'evt-1-0',
        digest: digest(1),
        outcome: 'deferred',
        imageUri: `${URI}@${digest(1)}`,
      }),
    ]);
  });

  it('defers a push when the app stack does not exist yet, then deploys it when re-sent after provisioning', async () => {
    aws.addProject({ stackImageUri: '' });
    const appStack = aws.stacks.get('stackdrop-acme-production-app')!;
    aws.stacks.delete('stackdrop-acme-production-app');
    const record = push(1, 0);
    await handleDeployBatch(sqsEvent(record), context, deps());
    expect(aws.status().deploys.at(-1)).toMatchObject({ id: 'evt-1-0', outcome: 'deferred' });
    expect(aws.mocks.ecs.calls()).toHaveLength(0);

    // Provisioning creates the app stack and re-sends the deferred push as the same event.
    aws.stacks.set('stackdrop-acme-production-app', appStack);
    const response = await handleDeployBatch(sqsEvent({ ...record, messageId: 'm-resent' }), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    const deploys = aws.status().deploys;
    expect(deploys).toHaveLength(1);
    expect(deploys[0]).toMatchObject({ id: 'evt-1-0', outcome: 'succeeded', digest: digest(1) });
    expect(aws.updates.find((u) => u.service === 'acme-production-web')?.desiredCount).toBe(2);
  });

  it('continues the deferred record when provisioning re-sends the push under a new event id', async () => {
    aws.addProject({ phase: 'provisioning' });
    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());
    // What provisioning does when it finishes: mark the record pending, send a fresh event.
    const doc = aws.status();
    doc.phase = 'ready';
    doc.deploys[0]!.outcome = 'pending';
    aws.objects.set('status/acme-production.json', { body: JSON.stringify(doc), etag: 50 });
    const resent = pushEvent(REPO, digest(1), 'main', at(30), 'a-random-uuid');

    const response = await handleDeployBatch(sqsEvent(sqsRecord(resent, 'm-resent')), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.status().deploys).toEqual([
      expect.objectContaining({ id: 'evt-1-0', outcome: 'succeeded', pushedAt: T0.toISOString() }),
    ]);
  });

  it('retries a push deferred just as provisioning finished, so provisioning cannot miss it', async () => {
    // Prepare: provisioning ends (phase ready, nothing deferred to re-send) right after the
    // deploy read the document, before it writes its deferred record.
    aws.addProject({ phase: 'provisioning' });
    const key = 'status/acme-production.json';
    let reads = 0;
    aws.mocks.s3.on(GetObjectCommand, { Key: key }).callsFake(() => {
      const object = aws.objects.get(key)!;
      if (++reads === 1) {
        const doc = JSON.parse(object.body);
        doc.phase = 'ready';
        aws.objects.set(key, { body: JSON.stringify(doc), etag: object.etag + 1 });
      }
      return {
        Body: {
          transformToString: async () => object.body,
          transformToByteArray: async () => new TextEncoder().encode(object.body),
        },
        ETag: `"${object.etag}"`,
      } as never;
    });
    const record = push(1, 0);

    // Act
    const first = await handleDeployBatch(sqsEvent(record), context, deps());
    const redelivered = await handleDeployBatch(sqsEvent(record), context, deps());

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(aws.status().deploys).toEqual([
      expect.objectContaining({ id: 'evt-1-0', digest: digest(1), outcome: 'succeeded' }),
    ]);
  });

  it('retries shortly while a stack operation is in progress in a ready project', async () => {
    aws.addProject();
    aws.stacks.get('stackdrop-acme-production-app')!.status = 'UPDATE_IN_PROGRESS';
    const record = push(1, 0);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(aws.visibilityChanges).toEqual([
      expect.objectContaining({ ReceiptHandle: record.receiptHandle, VisibilityTimeout: 60 }),
    ]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
  });
  it('records a push as failed, with an event, when a stack stays in progress until its last receive', async () => {
    // Prepare: the app stack has been updating since the message was first received 4 minutes ago.
    aws.addProject();
    aws.stacks.get('stackdrop-acme-production-app')!.status = 'UPDATE_IN_PROGRESS';
    aws.pushImage(REPO, digest(1), 'main', T0);
    const last = sqsRecord(pushEvent(REPO, digest(1), 'main', T0, 'evt-busy'), 'm-busy', 5);
    const firstReceived = aws.now().getTime() - 4 * 60_000;
    const record = {
      ...last,
      attributes: { ...last.attributes, ApproximateFirstReceiveTimestamp: `${firstReceived}` },
    };

    // Act
    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.calls()).toHaveLength(0);
    expect(aws.status().deploys).toEqual([
      expect.objectContaining({
        id: 'evt-busy',
        digest: digest(1),
        outcome: 'failed',
        reason:
          'the app stack stayed UPDATE_IN_PROGRESS for 4 minutes; push again or run `stackdrop rollback`',
      }),
    ]);
    expect(aws.status().deploys[0]?.finishedAt).toBeDefined();
    expect(aws.published).toEqual([
      expect.objectContaining({
        detailType: 'Deploy Failed',
        detail: expect.objectContaining({ deployId: 'evt-busy', outcome: 'failed' }),
      }),
    ]);
  });

  it('defers a push on its last receive when provisioning has taken over the busy stack', async () => {
    // Prepare: provisioning starts (phase provisioning) after the deploy read the document.
    aws.addProject();
    aws.stacks.get('stackdrop-acme-production-app')!.status = 'UPDATE_IN_PROGRESS';
    const key = 'status/acme-production.json';
    let reads = 0;
    aws.mocks.s3.on(GetObjectCommand, { Key: key }).callsFake(() => {
      const object = aws.objects.get(key)!;
      if (++reads === 1) {
        const doc = JSON.parse(object.body);
        doc.phase = 'provisioning';
        aws.objects.set(key, { body: JSON.stringify(doc), etag: object.etag + 1 });
      }
      return {
        Body: {
          transformToString: async () => object.body,
          transformToByteArray: async () => new TextEncoder().encode(object.body),
        },
        ETag: `"${object.etag}"`,
      } as never;
    });
    aws.pushImage(REPO, digest(1), 'main', T0);
    const record = sqsRecord(pushEvent(REPO, digest(1), 'main', T0, 'evt-busy'), 'm-busy', 5);

    // Act
    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(aws.status().deploys).toEqual([
      expect.objectContaining({ id: 'evt-busy', digest: digest(1), outcome: 'deferred' }),
    ]);
    expect(aws.published).toEqual([]);
  });
});

describe('roll-service: failures', () => {
  it('stops at a failed release task and records the container stop reason, updating no service', async () => {
    aws.addProject();
    aws.releaseExitCode = 1;
    const record = push(1, 0);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    const failed = aws.status().deploys.at(-1)!;
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain('container app exited with code 1');
    expect(failed.reason).toContain('Migration failed: table users already exists');
    expect(aws.published.map((e) => e.detailType)).toEqual(['Deploy Failed']);
  });

  it('reads the manifest load-manifest parsed, never the YAML, and fails clearly without that copy', async () => {
    aws.addProject();
    aws.objects.delete('parsed/acme-production/v1.json');
    const record = push(1, 0);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(aws.mocks.s3).not.toHaveReceivedCommandWith(GetObjectCommand, {
      Key: 'manifests/acme-production.yaml',
    });
    expect(aws.mocks.ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(response.batchItemFailures).toEqual([]);
    const failed = aws.status().deploys.at(-1)!;
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain('has no parsed copy at parsed/acme-production/v1.json');
    expect(failed.reason).toContain('deploy the manifest again');
  });

  it('records a circuit-breaker rollback as failed with the stopped task reason and does not retry the message', async () => {
    aws.addProject();
    const before = aws.service('acme-production-worker-default').taskDefinition;
    aws.rolloutOutcome = (service) => (service === 'acme-production-web' ? 'FAILED' : 'COMPLETED');
    const record = push(1, 0);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    const failed = aws.status().deploys.at(-1)!;
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain('acme-production-web: ECS deployment circuit breaker');
    expect(failed.reason).toContain('container app exited with code 1');
    expect(failed.reason).toContain('Connection refused');
    // The services that did roll out are returned to the previous revision: one version everywhere.
    expect(aws.service('acme-production-worker-default').taskDefinition).toBe(before);
    expect(aws.published.map((e) => e.detailType)).toEqual(['Deploy Failed']);
    expect(aws.status().phase).toBe('ready');
  });

  it('does not re-run a failed deploy on a late event of an older push, only on a new push of that image', async () => {
    aws.addProject();
    await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());
    aws.rolloutOutcome = () => 'FAILED';
    await handleDeployBatch(sqsEvent(push(2, 60)), context, deps());
    aws.rolloutOutcome = () => 'COMPLETED';
    const updates = aws.updates.length;

    const late = sqsRecord(pushEvent(REPO, digest(1), 'main', at(0), 'evt-late'), 'm-late');
    await handleDeployBatch(sqsEvent(late), context, deps());
    expect(aws.updates).toHaveLength(updates);

    await handleDeployBatch(sqsEvent(push(2, 120, 'main', 'evt-repush')), context, deps());
    expect(aws.status().deploys.map((d) => [d.digest, d.outcome])).toEqual([
      [digest(1), 'succeeded'],
      [digest(2), 'failed'],
      [digest(2), 'succeeded'],
    ]);
  });

  it('retries ECS throttling and completes the deploy', async () => {
    aws.addProject();
    aws.throttles.set('UpdateServiceCommand', 2);
    aws.throttles.set('RegisterTaskDefinitionCommand', 1);

    const response = await handleDeployBatch(sqsEvent(push(1, 0)), context, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('succeeded');
    expect(aws.mocks.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(3 + 2);
  });

  it('returns the message for a retry when ECS keeps throttling, keeping the deploy in progress', async () => {
    aws.addProject();
    aws.throttles.set('UpdateServiceCommand', 100);
    const record = push(1, 0);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('in-progress');
    expect(aws.visibilityChanges).toEqual([expect.objectContaining({ VisibilityTimeout: 30 })]);
    expect(aws.published).toEqual([]);
  });

  it('records the deploy as failed on the last receive and still sends the message to the DLQ', async () => {
    aws.addProject();
    aws.throttles.set('UpdateServiceCommand', 100);
    aws.pushImage(REPO, digest(1), 'main', T0);
    const record = sqsRecord(pushEvent(REPO, digest(1), 'main', T0, 'evt-last'), 'm-last', 5);

    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-last' }]);
    expect(aws.status().deploys.at(-1)).toMatchObject({ outcome: 'failed' });
    expect(aws.status().deploys.at(-1)?.reason).toContain('gave up after the last retry');
    expect(aws.published.map((e) => e.detailType)).toEqual(['Deploy Failed']);
  });

  it('starts the release task once when ECS started it but its answer was lost', async () => {
    // Prepare
    aws.addProject();
    aws.lostRunTaskAnswers = 1;
    const record = push(1, 0);

    // Act
    const response = await handleDeployBatch(sqsEvent(record), context, deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect([...aws.tasks.keys()].filter((arn) => arn.includes('/release-'))).toHaveLength(1);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('succeeded');
  });

  it('judges by rolloutState, not by a stable service: a rollout still in progress at the deadline is resumed, not re-run', async () => {
    aws.addProject();
    aws.rolloutOutcome = () => 'NEVER';
    const record = push(1, 0);

    const first = await handleDeployBatch(sqsEvent(record), context, deps());

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(aws.visibilityChanges.at(-1)?.VisibilityTimeout).toBe(5);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('in-progress');
    const registrations = aws.mocks.ecs.commandCalls(RegisterTaskDefinitionCommand).length;
    const runs = aws.runTasks.length;
    const updates = aws.updates.length;

    aws.rolloutOutcome = () => 'COMPLETED';
    const second = await handleDeployBatch(
      sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }),
      context,
      deps(),
    );

    expect(second.batchItemFailures).toEqual([]);
    expect(aws.mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(registrations);
    expect(aws.runTasks).toHaveLength(runs);
    expect(aws.updates).toHaveLength(updates);
    expect(aws.status().deploys.at(-1)?.outcome).toBe('succeeded');
  });

  it('retries a group only: another repository in the same batch is deployed and acknowledged', async () => {
    aws.addProject();
    aws.addProject({ project: 'shop' });
    aws.stacks.get('stackdrop-acme-production-app')!.status = 'UPDATE_IN_PROGRESS';
    const acme = push(1, 0);
    aws.pushImage('shop-production', digest(9), 'main', T0);
    const shop = sqsRecord(pushEvent('shop-production', digest(9), 'main', T0, 'evt-shop'), 'm-shop');

    const response = await handleDeployBatch(sqsEvent(acme, shop), context, deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: acme.messageId }]);
    expect(aws.status('shop').deploys.at(-1)?.outcome).toBe('succeeded');
  });
});
