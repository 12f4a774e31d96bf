import { DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

/**
 * The Aurora cluster carries DeletionProtection, which blocks every delete CloudFormation tries
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html#USER_DeletionProtection).
 * A cluster that never held data (a failed first create) or one the manifest allows to be replaced
 * must still go, with its final snapshot; a live cluster stays protected.
 */

let world: E2eWorld;
let rds: RDSClient;

beforeAll(async () => {
  world = await startWorld();
  rds = new RDSClient({
    endpoint: world.sd.endpoint,
    region: world.sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
  });
}, 120_000);

afterAll(async () => {
  rds?.destroy();
  await world?.stop();
});

async function clusters(project: string) {
  const out = await rds.send(new DescribeDBClustersCommand({}));
  return (out.DBClusters ?? []).filter((c) => c.DBClusterIdentifier?.startsWith(`stackdrop-${project}-`));
}

describe('database deletion protection on the local cloud', () => {
  it('converges on retry to ready after the first database create failed at an instance', async () => {
    // Prepare: the writer instance fails after the (protected) cluster was created.
    const project = 'dbretry';
    world.sd.cloud.faults.failResource({
      stackName: `stackdrop-${project}-${ENVIRONMENT}-database`,
      logicalId: 'Writer',
      action: 'create',
      reason:
        'InsufficientDBInstanceCapacity: Cannot create a database instance because of insufficient capacity.',
      times: 1,
    });

    // Act
    const failed = await provision(world, project);
    const retried = await provision(world, project);

    // Assess
    expect(failed.phase).toBe('failed');
    expect(failed.error).toMatchObject({ stage: 'database', failedResource: 'Writer' });
    expect(retried.phase, JSON.stringify(retried.error ?? retried.stacks)).toBe('ready');
    const live = await clusters(project);
    expect(live.map((c) => c.DBClusterIdentifier)).toEqual([retried.outputs.ClusterIdentifier]);
    expect(live[0]?.DeletionProtection).toBe(true);
  });

  it('deletes the old cluster (snapshot kept) when the manifest allows a replacement, and protects the new one', async () => {
    // Prepare
    const project = 'dbreplace';
    const first = await provision(world, project);
    const oldId = first.outputs.ClusterIdentifier!;

    // Act: a new engine replaces the cluster; the manifest allows it.
    const replaced = await provision(
      world,
      project,
      manifestFor(project, [
        [/engine: aurora-mysql.*$/m, 'engine: aurora-postgresql\n  allowReplacement: true'],
      ]),
    );

    // Assess
    expect(replaced.phase, JSON.stringify(replaced.error ?? replaced.stacks)).toBe('ready');
    const newId = replaced.outputs.ClusterIdentifier!;
    expect(newId).not.toBe(oldId);
    const live = await clusters(project);
    expect(live.map((c) => c.DBClusterIdentifier)).toEqual([newId]);
    expect(live[0]?.DeletionProtection).toBe(true);
    const snapshots = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: oldId }));
    expect(snapshots.DBClusterSnapshots?.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps the live cluster protected after an allowed update that replaced nothing', async () => {
    // Prepare
    const project = 'dbkeep';
    const first = await provision(world, project);

    // Act: a change that updates the cluster in place, with replacements allowed.
    const updated = await provision(
      world,
      project,
      manifestFor(project, [[/backupRetentionDays: 7/, 'backupRetentionDays: 9\n  allowReplacement: true']]),
    );

    // Assess
    expect(updated.phase, JSON.stringify(updated.error ?? updated.stacks)).toBe('ready');
    expect(updated.outputs.ClusterIdentifier).toBe(first.outputs.ClusterIdentifier);
    const live = await clusters(project);
    expect(live).toHaveLength(1);
    expect(live[0]?.DeletionProtection).toBe(true);
    expect(live[0]?.BackupRetentionPeriod).toBe(9);
  });
});
