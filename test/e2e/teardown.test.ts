import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeardown } from '#cli/commands/destroy.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHT7d8Rgmh4VGgj4QdSza2hUzcYDwhwX2WNRKQlWiBPJ teardown@test';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);

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
    // The database goes alongside the app (nothing of the app depends on it); the edge after it.
    const at = (stage: string, status: string) => {
      const name = `stackdrop-gone-${ENVIRONMENT}-${stage}`;
      const stack = [...world.sd.cloudFormation.stacks.values()].find((s) => s.stackName === name)!;
      return stack.events
        .find((e) => e.LogicalResourceId === name && e.ResourceStatus === status)!
        .Timestamp.getTime();
    };
    expect(at('database', 'DELETE_IN_PROGRESS')).toBeLessThan(at('app', 'DELETE_COMPLETE'));
    expect(at('edge', 'DELETE_IN_PROGRESS')).toBeGreaterThanOrEqual(at('app', 'DELETE_COMPLETE'));
    expect(at('network', 'DELETE_IN_PROGRESS')).toBeGreaterThanOrEqual(at('database', 'DELETE_COMPLETE'));
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

  it('tears down a project with an open ssh bastion: the bastion and its access group go first', async () => {
    // Prepare: an ssh bastion (its own access group, made outside CloudFormation) in the public subnet.
    const project = 'busy';
    await provision(
      world,
      project,
      manifestFor(project, [[/access: ssm.*$/m, 'access: ssh\n  allowedCidrs: [203.0.113.0/24]']]),
    );
    const opened = await world.session.invoke<{ instanceId: string }>('OpenBastionFunction', {
      project,
      environment: ENVIRONMENT,
      ttlMinutes: 60,
      access: 'ssh',
      callerCidr: '203.0.113.10/32',
      sshPublicKey: SSH_KEY,
    });
    expect(opened.error, JSON.stringify(opened.error)).toBeUndefined();
    const instanceId = opened.result!.instanceId;
    const sfn = new SFNClient({
      endpoint: world.sd.endpoint,
      region: world.sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });

    // Act
    await world.session.act(() =>
      startTeardown(project, ENVIRONMENT, project, {
        sfn,
        stateMachineArn: world.sd.outputs.TeardownStateMachineArn!,
        now: () => world.sd.cloud.clock.date(),
      }),
    );
    const done = await world.session.waitForStatus(
      project,
      ENVIRONMENT,
      (d) => d.phase === 'destroyed' || d.phase === 'failed',
    );

    // Assess
    expect(done.phase, JSON.stringify(done.error ?? done.stacks)).toBe('destroyed');
    expect(world.sd.cloud.ec2.instances.get(instanceId)?.state ?? 'terminated').toBe('terminated');
    const groups = [...world.sd.cloud.ec2.securityGroups.values()].filter(
      (g) => world.sd.cloud.ec2.tags.get(g.GroupId)?.['stackdrop:project'] === project,
    );
    expect(groups).toEqual([]);
    expect(done.bastions.find((b) => b.instanceId === instanceId)?.state).not.toBe('open');
    sfn.destroy();
  });
});
