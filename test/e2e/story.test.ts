import { DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

describe('stackdrop on the local cloud', () => {
  it('provisions from a dropped manifest, deploys a pushed image and reaps an expired bastion', async () => {
    // Act
    const ready = await provision(world, 'story');
    const { digest, doc: deployed } = await pushAndWait(world, 'story', 'v1');
    const opened = await world.session.invoke<{ instanceId: string }>('OpenBastionFunction', {
      project: 'story',
      environment: ENVIRONMENT,
      ttlMinutes: 30,
      access: 'ssm',
      callerCidr: '203.0.113.10/32',
    });
    const reaped = await world.session.waitForStatus('story', ENVIRONMENT, (d) =>
      d.bastions.some((b) => b.instanceId === opened.result?.instanceId && b.state !== 'open'),
    );

    // Assess
    expect(ready.phase).toBe('ready');
    expect(Object.values(ready.stacks).map((s) => s.status)).toEqual(Array(4).fill('CREATE_COMPLETE'));
    // The example serves HTTPS on its domain (certificate set; HTTP redirects).
    expect(ready.outputs.Url).toBe('https://shop.example.com');
    expect(ready.outputs.WriterEndpoint).toMatch(/\.cluster-.+\.rds\.amazonaws\.com$/);
    expect(deployed.deploys.find((d) => d.digest === digest)).toMatchObject({ outcome: 'succeeded' });
    const bastion = reaped.bastions.find((b) => b.instanceId === opened.result!.instanceId)!;
    expect(bastion.state).toBe('expired');
    expect(Date.parse(bastion.closedAt!) - Date.parse(bastion.expiresAt)).toBeLessThanOrEqual(5 * 60_000);
  });

  it('treats a re-drop of the same manifest as a no-op: ready again, no stack updated', async () => {
    // Prepare
    await provision(world, 'noop');
    const cfn = world.session.cfn;
    const eventsBefore = await cfn.send(
      new DescribeStackEventsCommand({ StackName: `stackdrop-noop-${ENVIRONMENT}-app` }),
    );

    // Act
    const again = await provision(world, 'noop');

    // Assess
    expect(again.phase).toBe('ready');
    for (const stage of ['network', 'database', 'edge', 'app']) {
      const stack = await cfn.send(
        new DescribeStacksCommand({ StackName: `stackdrop-noop-${ENVIRONMENT}-${stage}` }),
      );
      expect(stack.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    }
    const eventsAfter = await cfn.send(
      new DescribeStackEventsCommand({ StackName: `stackdrop-noop-${ENVIRONMENT}-app` }),
    );
    expect(eventsAfter.StackEvents?.length).toBe(eventsBefore.StackEvents?.length);
  });

  it('defers an image pushed during provisioning and deploys it once the app is ready', async () => {
    // Prepare
    const versionId = await world.session.dropManifest(
      manifestFor('early'),
      `manifests/early-${ENVIRONMENT}.yaml`,
    );
    await world.session.waitForStatus(
      'early',
      ENVIRONMENT,
      (d) => d.stacks.edge?.status === 'CREATE_COMPLETE' && d.phase === 'provisioning',
    );

    // Act
    const digest = await world.session.pushImage(`early-${ENVIRONMENT}`, 'main', 'early-1');
    const done = await world.session.waitForStatus(
      'early',
      ENVIRONMENT,
      (d) =>
        d.manifest?.versionId === versionId &&
        d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
    );

    // Assess
    expect(done.deploys.find((x) => x.digest === digest)?.outcome).toBe('succeeded');
    const deployStart = Date.parse(done.deploys.find((x) => x.digest === digest)!.finishedAt!);
    expect(deployStart).toBeGreaterThanOrEqual(Date.parse(done.stacks.app!.finishedAt!));
  });

  it('rolls a crashing deploy back to the running release', async () => {
    // Prepare
    const ready = await provision(world, 'crash');
    await pushAndWait(world, 'crash', 'good');
    const ecs = new ECSClient({
      endpoint: world.sd.endpoint,
      region: world.sd.cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const describe = () =>
      ecs.send(new DescribeServicesCommand({ cluster: ready.outputs.ClusterName, services: ['web'] }));
    const before = (await describe()).services![0]!.taskDefinition;
    world.sd.cloud.faults.failDeployment({
      service: 'web',
      cluster: ready.outputs.ClusterName,
      reason: 'tasks exited with code 137',
      times: 1,
    });

    // Act
    const { digest, doc } = await pushAndWait(world, 'crash', 'bad');

    // Assess
    const deploy = doc.deploys.find((x) => x.digest === digest)!;
    expect(deploy.outcome).toBe('failed');
    expect(deploy.reason).toContain('tasks exited with code 137');
    const after = (await describe()).services![0]!;
    expect(after.taskDefinition).toBe(before);
    ecs.destroy();
  });
});
