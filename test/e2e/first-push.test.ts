import { DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, ENVIRONMENT, provision, pushAndWait, startWorld } from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** Waits (driving the virtual clock) until the stack is in a final status. */
async function settledStack(name: string) {
  const deadline = performance.now() + 60_000;
  for (;;) {
    await world.sd.drain();
    const out = await world.session.cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    if (performance.now() > deadline) throw new Error(`${name} is still ${stack.StackStatus}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the first push on the local cloud', () => {
  it('leaves web autoscaling active at the manifest bounds without another manifest upload', async () => {
    // Prepare: the example manifest scales web between 2 and 10 tasks; the app stack starts imageless.
    const project = 'firstpush';
    await provision(world, project);
    const app = `stackdrop-${project}-${ENVIRONMENT}-app`;

    // Act
    const { digest, doc } = await pushAndWait(world, project, 'v1');
    const stack = await settledStack(app);

    // Assess
    expect(doc.deploys.find((d) => d.digest === digest)?.outcome).toBe('succeeded');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    const parameter = (key: string) => stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
    expect(parameter('ImageDeployed')).toBe('true');
    // The bounds are literal in the synthesised template; the scalable target holds them.
    const web = [...world.sd.cloud.autoScaling.targets.values()].find(
      (t) => t.ResourceId.endsWith(`/web`) && t.ResourceId.includes(project),
    );
    expect([web?.MinCapacity, web?.MaxCapacity]).toEqual([2, 10]);
    const resources = await world.session.cfn.send(new DescribeStackResourcesCommand({ StackName: app }));
    const target = resources.StackResources?.find((r) => r.LogicalResourceId === 'WebScalableTarget');
    expect(target?.ResourceStatus).toBe('CREATE_COMPLETE');
  });
});
