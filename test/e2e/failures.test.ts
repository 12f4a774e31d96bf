import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

describe('stackdrop failure handling on the local cloud', () => {
  it('records a failing database stage with its reason, then recovers with a corrected manifest', async () => {
    // Prepare: RDS refuses the subnet group of this first attempt.
    const reason = "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement.";
    world.sd.cloud.faults.failResource({
      stackName: `stackdrop-dbfail-${ENVIRONMENT}-database`,
      type: 'AWS::RDS::DBSubnetGroup',
      action: 'create',
      reason,
      times: 1,
    });

    // Act
    const failed = await provision(world, 'dbfail');
    const fixed = await provision(
      world,
      'dbfail',
      manifestFor('dbfail', [[/instanceClass: db.t4g.medium/, 'instanceClass: db.r6g.large']]),
    );

    // Assess
    expect(failed.phase).toBe('failed');
    expect(failed.stacks.database).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      reason,
      failedResource: 'SubnetGroup',
    });
    expect(failed.error).toMatchObject({ stage: 'database' });
    expect(failed.stacks.app).toBeUndefined();
    expect(fixed.phase).toBe('ready');
    expect(fixed.stacks.database?.status).toBe('CREATE_COMPLETE');
    expect(fixed.error).toBeUndefined();
  });

  it('provisions two projects at once without one touching the other', async () => {
    // Act
    const [one, two] = await Promise.all([provision(world, 'alpha'), provision(world, 'bravo')]);

    // Assess
    expect([one.phase, two.phase]).toEqual(['ready', 'ready']);
    expect(one.project).toBe('alpha');
    expect(two.project).toBe('bravo');
    expect(one.outputs.VpcId).not.toBe(two.outputs.VpcId);
    expect(one.outputs.ClusterName).not.toBe(two.outputs.ClusterName);
    for (const project of ['alpha', 'bravo']) {
      const stack = await world.session.cfn.send(
        new DescribeStacksCommand({ StackName: `stackdrop-${project}-${ENVIRONMENT}-app` }),
      );
      const tags = Object.fromEntries((stack.Stacks?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags['stackdrop:project']).toBe(project);
    }
    // Both ran in parallel: the second finished well before the first's makespan doubled.
    const span = (d: typeof one) =>
      Date.parse(d.stacks.app!.finishedAt!) - Date.parse(d.stacks.network!.startedAt!);
    const overall =
      Math.max(Date.parse(one.stacks.app!.finishedAt!), Date.parse(two.stacks.app!.finishedAt!)) -
      Math.min(Date.parse(one.stacks.network!.startedAt!), Date.parse(two.stacks.network!.startedAt!));
    expect(overall).toBeLessThan(span(one) + span(two));
  });
});
