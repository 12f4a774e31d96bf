import {
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

// The stage graph (issue 17): the database starts at the network's milestone, the app at the
// database's, and the project is ready only when every stack is complete.

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const stackName = (project: string, stage: string) => `stackdrop-${project}-${ENVIRONMENT}-${stage}`;

async function stack(project: string, stage: string): Promise<Stack> {
  const out = await world.session.cfn.send(
    new DescribeStacksCommand({ StackName: stackName(project, stage) }),
  );
  return out.Stacks![0]!;
}

async function events(project: string, stage: string): Promise<StackEvent[]> {
  const all: StackEvent[] = [];
  let token: string | undefined;
  do {
    const out = await world.session.cfn.send(
      new DescribeStackEventsCommand({ StackName: stackName(project, stage), NextToken: token }),
    );
    all.push(...(out.StackEvents ?? []));
    token = out.NextToken;
  } while (token);
  return all;
}

/** When `logicalId` (the stack itself when omitted) first reached `status`, in virtual ms. */
async function when(project: string, stage: string, status: string, logicalId?: string): Promise<number> {
  const id = logicalId ?? stackName(project, stage);
  const found = (await events(project, stage)).filter(
    (e) => e.LogicalResourceId === id && e.ResourceStatus === status,
  );
  expect(found.length, `${stage}/${id} ${status}`).toBeGreaterThan(0);
  return Math.min(...found.map((e) => e.Timestamp!.getTime()));
}

const parameter = (s: Stack, key: string) =>
  s.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
const output = (s: Stack, key: string) => s.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;

describe('the stage graph on the local cloud', () => {
  it('starts the database before the network completes and the app before the database does, with the outputs the stacks end with', async () => {
    // Act
    const doc = await provision(world, 'graph');

    // Assess: the orderings that are real dependencies hold, the others are gone.
    expect(doc.phase).toBe('ready');
    const networkDone = await when('graph', 'network', 'CREATE_COMPLETE');
    const databaseStart = await when('graph', 'database', 'CREATE_IN_PROGRESS');
    expect(databaseStart).toBeLessThan(networkDone);
    expect(databaseStart).toBeGreaterThanOrEqual(
      await when('graph', 'network', 'CREATE_COMPLETE', 'DatabaseSecurityGroup'),
    );
    for (const n of [1, 2])
      expect(databaseStart).toBeGreaterThanOrEqual(
        await when('graph', 'network', 'CREATE_COMPLETE', `IsolatedSubnet${n}`),
      );
    // The load balancer's interfaces would block a failed network's rollback: edge waits for it.
    expect(await when('graph', 'edge', 'CREATE_IN_PROGRESS')).toBeGreaterThanOrEqual(networkDone);
    const clusterDone = await when('graph', 'database', 'CREATE_COMPLETE', 'Cluster');
    const databaseDone = await when('graph', 'database', 'CREATE_COMPLETE');
    const appStart = await when('graph', 'app', 'CREATE_IN_PROGRESS');
    expect(appStart).toBeGreaterThanOrEqual(clusterDone);
    expect(appStart).toBeGreaterThanOrEqual(await when('graph', 'edge', 'CREATE_COMPLETE'));
    expect(appStart).toBeLessThan(databaseDone);
    // Ready only once every stack is complete, the Aurora writer included.
    expect(Date.parse(doc.updatedAt!)).toBeGreaterThanOrEqual(databaseDone);
    expect(doc.stacks.database?.status).toBe('CREATE_COMPLETE');
    expect(doc.stacks.network?.status).toBe('CREATE_COMPLETE');

    // The outputs handed on early are exactly those the stacks ended with.
    const [network, database, app] = await Promise.all(
      ['network', 'database', 'app'].map((stage) => stack('graph', stage)),
    );
    for (const key of ['IsolatedSubnetIds', 'AvailabilityZones', 'DatabaseSecurityGroupId'])
      expect(parameter(database!, key), key).toBe(output(network!, key));
    // The synthesised app template takes the engine from the manifest, not as a parameter.
    for (const key of ['WriterEndpoint', 'Port', 'SecretArn', 'DatabaseName'])
      expect(parameter(app!, key), key).toBe(output(database!, key));
    for (const key of ['PrivateSubnetIds', 'AppSecurityGroupId'])
      expect(parameter(app!, key), key).toBe(output(network!, key));
    expect(doc.outputs.dbEndpoint).toBe(output(database!, 'WriterEndpoint'));
  });

  it('holds a push made while the app stack exists but the Aurora writer does not until the project is ready', async () => {
    // Prepare: the app stack completes minutes before the database's instances do.
    const versionId = await world.session.dropManifest(
      manifestFor('early2'),
      `manifests/early2-${ENVIRONMENT}.yaml`,
    );
    const appReady = await world.session.waitForStatus(
      'early2',
      ENVIRONMENT,
      (d) => d.stacks.app?.status === 'CREATE_COMPLETE',
    );
    expect(appReady.phase).toBe('provisioning');
    expect(appReady.stacks.database?.status).toBe('CREATE_IN_PROGRESS');

    // Act
    const digest = await world.session.pushImage(`early2-${ENVIRONMENT}`, 'main', 'early2-1');
    const done = await world.session.waitForStatus(
      'early2',
      ENVIRONMENT,
      (d) =>
        d.manifest?.versionId === versionId &&
        d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
    );

    // Assess: deferred, then released (migrations included) only after the writer existed.
    const deploy = done.deploys.find((x) => x.digest === digest)!;
    expect(deploy.outcome).toBe('succeeded');
    const writerDone = await when('early2', 'database', 'CREATE_COMPLETE', 'Writer');
    expect(Date.parse(deploy.startedAt!)).toBeGreaterThanOrEqual(writerDone);
  });

  it('records an Aurora instance failing after the app started from the cluster as a database failure, and a re-drop converges', async () => {
    // Prepare
    const reason =
      'InsufficientDBInstanceCapacity: Cannot create a database instance because there is no capacity.';
    world.sd.cloud.faults.failResource({
      stackName: stackName('latedb', 'database'),
      logicalId: 'Writer',
      action: 'create',
      reason,
      times: 1,
    });

    // Act
    const failed = await provision(world, 'latedb');
    const retried = await provision(world, 'latedb');

    // Assess: the failing stage and resource are named; the retry ends ready with every stack.
    expect(failed.phase).toBe('failed');
    expect(failed.error).toMatchObject({ stage: 'database', failedResource: 'Writer' });
    expect(failed.error?.message).toContain(reason);
    expect(retried.phase, JSON.stringify(retried.error ?? retried.stacks)).toBe('ready');
    const app = await stack('latedb', 'app');
    const database = await stack('latedb', 'database');
    expect(parameter(app, 'WriterEndpoint')).toBe(output(database, 'WriterEndpoint'));
  });
});
