import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeardown } from '#cli/commands/destroy.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { type E2eWorld, ENVIRONMENT, provision, startWorld } from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

describe('teardown on the local cloud', () => {
  it('tears a project down in reverse order and keeps the final database snapshot', async () => {
    // Prepare
    const ready = await provision(world, 'gone');
    const clusterId = ready.outputs.ClusterIdentifier!;
    const sfn = new SFNClient({
      endpoint: world.sd.endpoint,
      region: world.sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const rds = new RDSClient({
      endpoint: world.sd.endpoint,
      region: world.sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });

    // Act: what `stackdrop destroy gone --confirm gone` does.
    await world.session.act(() =>
      startTeardown('gone', ENVIRONMENT, 'gone', {
        sfn,
        stateMachineArn: world.sd.outputs.TeardownStateMachineArn!,
        now: () => world.sd.cloud.clock.date(),
      }),
    );
    const destroyed = await world.session.waitForStatus(
      'gone',
      ENVIRONMENT,
      (d) => d.phase === 'destroyed' || d.phase === 'failed',
    );

    // Assess
    expect(destroyed.phase).toBe('destroyed');
    const snapshots = await rds.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId }),
    );
    expect(clusterId).toMatch(/^stackdrop-gone-/);
    expect(snapshots.DBClusterSnapshots?.length).toBeGreaterThanOrEqual(1);
    const stack = await world.session.cfn
      .send(new DescribeStacksCommand({ StackName: `stackdrop-gone-${ENVIRONMENT}-network` }))
      .catch((e: Error) => e);
    expect(stack instanceof Error ? stack.message : stack.Stacks?.[0]?.StackStatus).toMatch(
      /does not exist|DELETE_COMPLETE/,
    );
    sfn.destroy();
    rds.destroy();
  });
});
