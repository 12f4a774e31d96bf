import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReapResult } from '#shared/bastion/reap.ts';
import { type E2eWorld, ENVIRONMENT, provision, recordRequests, startWorld } from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

describe('fault drills: the bastion reaper on the local cloud', () => {
  it('terminates and records each expired bastion once when two reaper runs overlap, and leaves look-alike instances alone', async () => {
    // Prepare: the schedule is paused so that only the two runs below reap.
    const ready = await provision(world, 'reaper');
    const { cloud, plan } = world.sd;
    const reaper = plan.functions.find((f) => f.logicalId === 'ReapBastionsFunction')!;
    const rule = plan.rules.find(
      (r) => r.scheduleExpression && r.targets.some((t) => t.Arn.includes(reaper.name)),
    )!;
    cloud.eventBus.putRule({
      Name: rule.name,
      EventBusName: rule.eventBusName,
      ScheduleExpression: rule.scheduleExpression,
      State: 'DISABLED',
    });
    const opened: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await world.session.invoke<{ instanceId: string }>('OpenBastionFunction', {
        project: 'reaper',
        environment: ENVIRONMENT,
        ttlMinutes: 30,
        access: 'ssm',
        callerCidr: `203.0.113.${10 + i}/32`,
      });
      expect(out.error).toBeUndefined();
      opened.push(out.result!.instanceId);
    }
    const template = cloud.ec2.instance(opened[0]!);
    const past = '2020-01-01T00:00:00Z';
    const lookAlikes = [
      // Not managed by stackdrop (the managed tag must be exactly "true").
      [
        { Key: 'stackdrop:managed', Value: 'True' },
        { Key: 'stackdrop:expires-at', Value: past },
        { Key: 'stackdrop:project', Value: 'reaper' },
      ],
      // Another tool's tags that merely look like stackdrop's.
      [
        { Key: 'stackdrop-managed', Value: 'true' },
        { Key: 'stackdrop:expires', Value: past },
      ],
      // Managed but without an expiry: not a bastion.
      [
        { Key: 'stackdrop:managed', Value: 'true' },
        { Key: 'stackdrop:project', Value: 'reaper' },
      ],
    ].map(
      (Tags) =>
        cloud.ec2.runInstances({
          ImageId: template.ImageId!,
          InstanceType: 't4g.nano',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: template.SubnetId,
          TagSpecifications: [{ ResourceType: 'instance', Tags }],
        }).Instances[0]!.InstanceId!,
    );
    await cloud.clock.sleep(31 * 60_000);
    const expired: unknown[] = [];
    const unsubscribe = cloud.eventBus.subscribe((e) => {
      if (e['detail-type'] === 'Bastion Expired') expired.push(e.detail);
    });
    const log = recordRequests(cloud);

    // Act
    const runs = await Promise.all([
      world.session.invoke<ReapResult>('ReapBastionsFunction', {}),
      world.session.invoke<ReapResult>('ReapBastionsFunction', {}),
    ]);
    await world.sd.drain();
    unsubscribe();
    log.restore();

    // Assess
    const [one, two] = runs.map((r) => {
      expect(r.error).toBeUndefined();
      return r.result!;
    });
    expect([...one!.terminated, ...two!.terminated].sort()).toEqual([...opened].sort());
    expect([...one!.recorded, ...two!.recorded].sort()).toEqual([...opened].sort());
    expect(expired).toHaveLength(3);
    const doc = (await world.session.status('reaper', ENVIRONMENT))!;
    for (const id of opened) {
      expect(doc.bastions.filter((b) => b.instanceId === id)).toHaveLength(1);
      expect(doc.bastions.find((b) => b.instanceId === id)?.state).toBe('expired');
      expect(cloud.ec2.instance(id).state).toMatch(/shutting-down|terminated/);
    }
    for (const id of lookAlikes) expect(cloud.ec2.instance(id).state).toBe('running');
    const terminateCalls = log.calls.filter((c) => c.operation === 'TerminateInstances');
    expect(terminateCalls.length).toBeGreaterThanOrEqual(1);
    expect(ready.phase).toBe('ready');
  });
});
