import {
  CreateStackCommand,
  DeleteStackCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusKey } from '#shared/naming.ts';
import { callbackKey } from '#shared/provision/stack-driver.ts';
import { emptyStatus } from '#shared/status.ts';
import {
  ACME_MANIFEST,
  cfnMock,
  createWorld,
  eventsMock,
  sfnMock,
  sqsMock,
  type World,
} from '#test/helpers/provision-world.ts';
import { countTransitions, statesEntered } from '#test/helpers/sfn-harness.ts';

let world: World;

beforeEach(async () => {
  world = await createWorld();
});
afterEach(() => world.dispose());

describe('provision state machine (executed)', () => {
  it('creates network, then database and edge together, then app, passing outputs forward', async () => {
    // Prepare
    const event = world.upload(ACME_MANIFEST);

    // Act
    const execution = await world.run(event);

    // Assess
    expect(execution.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(world.cfn.calls).toEqual([
      'CreateStack stackdrop-acme-production-network',
      expect.stringMatching(/CreateStack stackdrop-acme-production-(database|edge)/),
      expect.stringMatching(/CreateStack stackdrop-acme-production-(database|edge)/),
      'CreateStack stackdrop-acme-production-app',
    ]);
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: 'stackdrop-acme-production-app',
      Parameters: expect.arrayContaining([
        {
          ParameterKey: 'WriterEndpoint',
          ParameterValue: 'acme-production.cluster-abc.eu-west-1.rds.amazonaws.com',
        },
        { ParameterKey: 'PrivateSubnetIds', ParameterValue: 'subnet-prv1,subnet-prv2' },
      ]),
    });
    const status = world.status();
    expect(status?.phase).toBe('ready');
    expect(status?.outputs.url).toBe('http://acme-123.eu-west-1.elb.amazonaws.com');
    expect(status?.outputs.dbEndpoint).toBe('acme-production.cluster-abc.eu-west-1.rds.amazonaws.com');
    expect(status?.stacks.app?.status).toBe('CREATE_COMPLETE');
    expect(eventsMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ Source: 'stackdrop', DetailType: 'Provisioning Succeeded' })],
    });
    expect(countTransitions(execution)).toBeLessThanOrEqual(60);
    expect(statesEntered(execution)).toContain('Deploy database and edge stacks');
    expect(world.callbackErrors).toEqual([]);
  });

  it('treats a re-run of an unchanged manifest as no-op updates and stays ready', async () => {
    // Prepare
    await world.run(world.upload(ACME_MANIFEST));
    world.cfn.calls.length = 0;

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(world.cfn.calls).toHaveLength(4);
    expect(world.cfn.calls.every((call) => call.startsWith('UpdateStack'))).toBe(true);
    expect(execution.output).toMatchObject({
      network: { operation: 'none' },
      database: { operation: 'none' },
      edge: { operation: 'none' },
      app: { operation: 'none' },
    });
    expect(world.status()?.phase).toBe('ready');
  });

  it('fails in the database stage and records the stage, the first failed resource and its reason', async () => {
    // Prepare
    world.cfn.failNext.set('stackdrop-acme-production-database', {
      logicalId: 'Cluster',
      type: 'AWS::RDS::DBCluster',
      reason: 'Cannot find version 8.0.mysql_aurora.3.10.3 for aurora-mysql',
    });

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('FAILED');
    const status = world.status();
    expect(status?.phase).toBe('failed');
    expect(status?.error).toEqual({
      stage: 'database',
      code: 'ROLLBACK_COMPLETE',
      message: 'Cannot find version 8.0.mysql_aurora.3.10.3 for aurora-mysql',
      failedResource: 'Cluster',
    });
    expect(status?.stacks.database).toMatchObject({ status: 'ROLLBACK_COMPLETE', failedResource: 'Cluster' });
    expect(world.cfn.calls).not.toContain('CreateStack stackdrop-acme-production-app');
    expect(eventsMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Provisioning Failed' })],
    });
    expect(world.s3.json('turns/acme-production.json')).not.toHaveProperty('holder');
  });

  it('drops the wait of a sibling stage the failed execution cancelled instead of completing its dead token', async () => {
    // Prepare: edge fails while the database is being created; its completion event is lost, so
    // the record of the cancelled database wait is still there when the execution has failed.
    const database = 'stackdrop-acme-production-database';
    world.cfn.failNext.set('stackdrop-acme-production-edge', {
      logicalId: 'LoadBalancer',
      type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      reason: 'Load balancer quota exceeded',
    });
    world.cfn.dropEvent = (stackName) => stackName === database;
    const execution = await world.run(world.upload(ACME_MANIFEST));
    expect(execution.status).toBe('FAILED');
    while (world.cfn.find(database)?.status !== 'CREATE_COMPLETE') {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const databaseBefore = world.status()?.stacks.database;
    const completions = sfnMock.commandCalls(SendTaskSuccessCommand).length;
    const { handler: stackCallback } = await import('#functions/stack-callback/index.ts');

    // Act: the schedule's sweep.
    const swept = await stackCallback({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(swept).toMatchObject({ outcome: 'swept', checked: 1, completed: 0 });
    expect(world.s3.json(callbackKey(database))).toBeUndefined();
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: execution.executionArn,
    });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(completions);
    expect(world.status()?.stacks.database).toEqual(databaseBefore);
    expect(world.callbackErrors).toEqual([]);
  });

  it('deletes and recreates a stack left in ROLLBACK_COMPLETE', async () => {
    // Prepare
    world.cfn.seed('stackdrop-acme-production-network', 'ROLLBACK_COMPLETE');

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(world.cfn.calls.slice(0, 2)).toEqual([
      'DeleteStack stackdrop-acme-production-network',
      'CreateStack stackdrop-acme-production-network',
    ]);
    expect(world.status()?.stacks.network?.status).toBe('CREATE_COMPLETE');
  });

  it('waits for a stack whose own operation is in progress, then updates it', async () => {
    // Prepare: an update started elsewhere ends 120 simulated seconds from now.
    world.cfn.seed('stackdrop-acme-production-network', 'UPDATE_IN_PROGRESS', { finishInSeconds: 120 });

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(world.cfn.calls[0]).toBe('UpdateStack stackdrop-acme-production-network');
    expect(cfnMock).not.toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: 'stackdrop-acme-production-network',
    });
    expect(world.status()?.stacks.network?.status).toBe('UPDATE_COMPLETE');
  });

  it('recovers from a lost completion event through the bounded fallback check', async () => {
    // Prepare
    world.cfn.dropEvent = (stackName, status) =>
      stackName === 'stackdrop-acme-production-network' && status === 'CREATE_COMPLETE';

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const entered = statesEntered(execution);
    expect(entered.filter((s) => s === 'Check network stack after the wait timed out')).toHaveLength(1);
    expect(world.cfn.calls.filter((c) => c === 'CreateStack stackdrop-acme-production-network')).toHaveLength(
      1,
    );
    expect(world.status()?.phase).toBe('ready');
  });

  it('rejects an invalid manifest with every problem and makes no mutating call but the status write', async () => {
    // Prepare
    const event = world.upload(
      'version: 1\nproject: acme\nenvironment: production\nnetwork: { cidr: 10.40.0.0/33, natGateways: some }\napp: { allowPlainHttp: true }\n',
    );
    world.s3.writes.length = 0;

    // Act
    const execution = await world.run(event);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('ManifestInvalid');
    expect(cfnMock).not.toHaveReceivedCommand(CreateStackCommand);
    expect(cfnMock).not.toHaveReceivedCommand(UpdateStackCommand);
    expect(cfnMock).not.toHaveReceivedCommand(DeleteStackCommand);
    expect(cfnMock).not.toHaveReceivedCommand(UpdateTerminationProtectionCommand);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    expect(world.s3.writes).toEqual([{ command: 'PutObject', key: 'status/acme-production.json' }]);
    const status = world.status();
    expect(status?.phase).toBe('failed');
    expect(status?.errors?.map((e) => e.path).sort()).toEqual(['network.cidr', 'network.natGateways']);
    expect(status?.errors?.every((e) => typeof e.line === 'number')).toBe(true);
  });

  it('provisions only the newer of two versions of one manifest that arrive together', async () => {
    // Prepare
    const older = world.upload(ACME_MANIFEST);
    const newer = world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 14'));

    // Act
    const [first, second] = await Promise.all([
      world.provision.start(older).done,
      world.provision.start(newer).done,
    ]);

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(statesEntered(first)).toContain('Superseded by a newer manifest');
    expect(statesEntered(first)).not.toContain('Deploy network stack');
    expect(second.status).toBe('SUCCEEDED');
    expect(statesEntered(second)).toContain('Deploy app stack');
    expect(world.cfn.calls.filter((c) => c.endsWith('-network'))).toEqual([
      'CreateStack stackdrop-acme-production-network',
    ]);
    expect(world.status()?.manifest?.versionId).toBe(newer.detail.object['version-id']);
  });

  it('queues a newer version behind the running one and runs a duplicate event only once', async () => {
    // Prepare: stacks ten times slower than the default world, so the newer version surely arrives mid-run.
    world.dispose();
    world = await createWorld({ scale: 1 / 6 });
    const running = world.provision.start(world.upload(ACME_MANIFEST));
    while (!world.cfn.calls.includes('CreateStack stackdrop-acme-production-network')) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const newer = world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 14'));

    // Act
    const queued = world.provision.start(newer);
    const duplicate = world.provision.start(structuredClone(newer));
    const [a, b, c] = await Promise.all([running.done, queued.done, duplicate.done]);

    // Assess
    expect([a.status, b.status, c.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const provisioned = [b, c].filter((r) => statesEntered(r).includes('Deploy app stack'));
    const dropped = [b, c].filter((r) => statesEntered(r).includes('Duplicate event, already handled'));
    expect(provisioned).toHaveLength(1);
    expect(dropped).toHaveLength(1);
    const at = (record: typeof a, state: string) =>
      record.events.find((e) => e.type === 'StateEntered' && e.state?.name === state)?.timestamp ??
      Number.NaN;
    expect(at(provisioned[0]!, 'Record provisioning started')).toBeGreaterThanOrEqual(
      at(a, "Release the project's turn"),
    );
    expect(
      world.cfn.calls.filter((call) => call === 'UpdateStack stackdrop-acme-production-database'),
    ).toHaveLength(1);
    expect(world.status()?.manifest?.versionId).toBe(newer.detail.object['version-id']);
  });

  it('lets a run that gave up waiting for its turn record its own failure without clobbering the running one', async () => {
    // Prepare: stacks so slow (40×) that the holder outlasts the queued run's 12-hour turn wait.
    world.dispose();
    world = await createWorld({ durationFactor: 40 });
    const running = world.provision.start(world.upload(ACME_MANIFEST));
    while (!world.cfn.calls.includes('CreateStack stackdrop-acme-production-network')) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const newer = world.upload(ACME_MANIFEST.replace('readers: 1', 'readers: 1\n  backupRetentionDays: 14'));

    // Act
    const queued = world.provision.start(newer);
    const gaveUp = await queued.done;
    const duringHolder = structuredClone(world.status());
    const finished = await running.done;

    // Assess: the waiter failed on its own; the holder's status was never marked failed.
    expect(gaveUp.status).toBe('FAILED');
    expect(statesEntered(gaveUp)).not.toContain('Record provisioning started');
    expect(duringHolder?.phase).toBe('provisioning');
    expect(duringHolder?.error).toBeUndefined();
    expect(duringHolder?.history.at(-1)?.note).toMatch(/gave up waiting for the project's turn/);
    expect(finished.status).toBe('SUCCEEDED');
    const doc = world.status();
    expect(doc?.phase).toBe('ready');
    expect(doc?.history.map((h) => h.phase)).not.toContain('failed');
    // The holder's release hands the turn to nobody: the waiter withdrew when it gave up.
    expect(world.s3.json<{ holder?: unknown; waiting?: unknown }>('turns/acme-production.json')).toEqual(
      expect.not.objectContaining({ holder: expect.anything() }),
    );
  });

  it('runs the last deployed image and hands a push deferred during provisioning to the deploy queue', async () => {
    // Prepare
    const doc = emptyStatus('acme', 'production', new Date('2026-11-26T05:00:00Z'));
    doc.deploys.push(
      {
        id: 'd1',
        repository: 'acme-production',
        digest: 'sha256:aaa',
        startedAt: '2026-11-26T05:00:00Z',
        outcome: 'succeeded',
      },
      {
        id: 'd2',
        repository: 'acme-production',
        digest: 'sha256:bbb',
        tag: 'main',
        startedAt: '2026-11-26T05:10:00Z',
        outcome: 'deferred',
      },
    );
    world.s3.seed(statusKey('acme', 'production'), JSON.stringify(doc));

    // Act
    const execution = await world.run(world.upload(ACME_MANIFEST));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: 'stackdrop-acme-production-app',
      Parameters: expect.arrayContaining([
        {
          ParameterKey: 'ImageUri',
          ParameterValue: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-production@sha256:aaa',
        },
      ]),
    });
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageGroupId: 'acme-production',
      MessageDeduplicationId: 'sha256:bbb',
    });
    const body = JSON.parse(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(body).toMatchObject({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      account: '123456789012',
      region: 'eu-west-1',
      detail: {
        'action-type': 'PUSH',
        result: 'SUCCESS',
        'repository-name': 'acme-production',
        'image-digest': 'sha256:bbb',
      },
    });
    expect(world.status()?.deploys.find((d) => d.id === 'd2')?.outcome).toBe('pending');
  });
});
