import {
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ec2, events, s3 } from '#shared/aws.ts';
import { ROLE_BASTION_ACCESS, TAG_ACCESS_GROUP, TAG_ROLE } from '#shared/bastion/constants.ts';
import { ReapIncompleteError, reapBastions } from '#shared/bastion/reap.ts';
import { logger } from '#shared/logger.ts';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_PROJECT } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeEc2, FakeS3 } from './fake-cloud.ts';
import { BUCKET, bastion, iid, openRecord, readyStatus, scheduledEvent } from './helpers.ts';

const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(EventBridgeClient);

const EXPIRY = '2026-11-26T08:00:00Z';
const LATER = '2026-11-26T09:00:00Z';
const STATUS_KEY = 'status/acme-production.json';

let cloud: FakeEc2;
let store: FakeS3;

function deps(now: string | Date, extra: { batchSize?: number } = {}) {
  const at = new Date(now);
  return { ec2, s3, events, logger, now: () => at, bucket: BUCKET, sleep: async () => {}, ...extra };
}

function emitted(detailType?: string): PutEventsRequestEntry[] {
  return eventsMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .filter((entry) => !detailType || entry.DetailType === detailType);
}

function terminatedIds(): string[] {
  return ec2Mock
    .commandCalls(TerminateInstancesCommand)
    .flatMap((call) => call.args[0].input.InstanceIds ?? []);
}

function status(key = STATUS_KEY): StatusDocument {
  return store.json(key) as StatusDocument;
}

beforeEach(() => {
  ec2Mock.reset();
  s3Mock.reset();
  eventsMock.reset();
  cloud = new FakeEc2();
  cloud.install(ec2Mock);
  store = new FakeS3();
  store.install(s3Mock);
  eventsMock.on(PutEventsCommand).callsFake((input) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_: unknown, i: number) => ({ EventId: `e-${i}` })),
  }));
});

describe('reap-bastions: listing', () => {
  it('reads every page of managed, expiring instances and terminates the expired ones on each page', async () => {
    // Prepare: 11 bastions, 4 per page → 3 pages; every odd one has expired.
    cloud.pageSize = 4;
    for (let n = 1; n <= 11; n++) cloud.add(bastion(iid(n), n % 2 === 1 ? EXPIRY : LATER));

    // Act
    const result = await reapBastions(deps('2026-11-26T08:30:00Z'));

    // Assess
    const listCalls = ec2Mock.commandCalls(DescribeInstancesCommand);
    expect(listCalls).toHaveLength(3);
    expect(listCalls[0]!.args[0].input).toEqual({
      Filters: [
        { Name: 'tag-key', Values: [TAG_EXPIRES_AT] },
        { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
      MaxResults: 1000,
    });
    expect(listCalls[1]!.args[0].input.NextToken).toBeDefined();
    expect(listCalls[2]!.args[0].input.NextToken).toBeDefined();
    expect(result.scanned).toBe(11);
    expect(result.terminated.sort()).toEqual([1, 3, 5, 7, 9, 11].map(iid));
    for (let n = 1; n <= 11; n++) expect(cloud.state(iid(n))).toBe(n % 2 === 1 ? 'shutting-down' : 'running');
  });

  it('terminates stopped and pending bastions too, not only running ones', async () => {
    cloud.add(bastion(iid(1), EXPIRY, { state: 'stopped' }), bastion(iid(2), EXPIRY, { state: 'pending' }));

    const result = await reapBastions(deps(LATER));

    expect(result.terminated.sort()).toEqual([iid(1), iid(2)]);
  });

  it('terminates in batches of the configured size', async () => {
    for (let n = 1; n <= 120; n++) cloud.add(bastion(iid(n), EXPIRY));

    await reapBastions(deps(LATER, { batchSize: 50 }));

    const sizes = ec2Mock
      .commandCalls(TerminateInstancesCommand)
      .map((call) => call.args[0].input.InstanceIds?.length);
    expect(sizes).toEqual([50, 50, 20]);
  });
});

describe('reap-bastions: what it never touches', () => {
  it('leaves instances of other owners alone even when they carry an expired expiry tag', async () => {
    // Prepare: foreign instances the tag filter excludes, next to one real bastion.
    cloud.add(
      bastion(iid(1), EXPIRY),
      bastion(iid(2), EXPIRY, { tags: { [TAG_MANAGED]: undefined } }),
      bastion(iid(3), EXPIRY, { tags: { [TAG_MANAGED]: 'false' } }),
      { InstanceId: iid(4), state: 'running', Tags: [{ Key: 'Name', Value: 'web-1' }] },
    );

    const result = await reapBastions(deps(LATER));

    expect(result.terminated).toEqual([iid(1)]);
    expect(terminatedIds()).toEqual([iid(1)]);
    expect([iid(2), iid(3), iid(4)].map((id) => cloud.state(id))).toEqual(['running', 'running', 'running']);
  });

  it('double-checks the managed tag when the listing returns an instance the filter should have excluded', async () => {
    // Prepare: a listing that ignored the tag filter.
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: iid(5),
              State: { Name: 'running' },
              Tags: [
                { Key: TAG_EXPIRES_AT, Value: EXPIRY },
                { Key: TAG_PROJECT, Value: 'acme' },
                { Key: TAG_ENVIRONMENT, Value: 'production' },
              ],
            },
          ],
        },
      ],
    });

    const result = await reapBastions(deps(LATER));

    expect(ec2Mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(result.skipped).toEqual([{ instanceId: iid(5), reason: `no ${TAG_MANAGED}=true tag` }]);
  });

  it.each([
    ['a word', 'tomorrow'],
    ['a date that does not exist', '2026-02-30T08:00:00Z'],
    ['a local-time offset', '2026-11-26T08:00:00+01:00'],
    ['an empty value', ''],
    ['a bare date', '2026-11-26'],
  ])('logs and leaves alone a bastion whose expiry is %s', async (_label, value) => {
    cloud.add(bastion(iid(1), value), bastion(iid(2), EXPIRY));
    const warn = vi.spyOn(logger, 'warn');

    const result = await reapBastions(deps(LATER));

    expect(result.terminated).toEqual([iid(2)]);
    expect(cloud.state(iid(1))).toBe('running');
    expect(result.skipped[0]).toEqual({
      instanceId: iid(1),
      reason: `malformed ${TAG_EXPIRES_AT} tag: ${JSON.stringify(value)}`,
    });
    expect(warn).toHaveBeenCalledWith(
      'Reaper left an instance alone',
      expect.objectContaining({ instanceId: iid(1) }),
    );
  });

  it('leaves alone a managed instance without its project tags', async () => {
    cloud.add(bastion(iid(1), EXPIRY, { tags: { [TAG_PROJECT]: undefined } }));

    const result = await reapBastions(deps(LATER));

    expect(ec2Mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(result.skipped[0]?.reason).toContain(TAG_PROJECT);
  });
});

describe('reap-bastions: the expiry instant', () => {
  // "At" counts as expired: at expiresAt the whole TTL has been used.
  it.each([
    ['one millisecond before', '2026-11-26T07:59:59.999Z', 'running'],
    ['exactly at', '2026-11-26T08:00:00.000Z', 'shutting-down'],
    ['one second after', '2026-11-26T08:00:01.000Z', 'shutting-down'],
  ])('%s expiry the bastion is %s', async (_label, now, expected) => {
    cloud.add(bastion(iid(1), EXPIRY));

    await reapBastions(deps(now));

    expect(cloud.state(iid(1))).toBe(expected);
  });
});

describe('reap-bastions: instances already on their way out', () => {
  it('does not terminate again an instance the listing still shows as shutting-down or terminated', async () => {
    // Prepare: a lagging listing that returns instances in states the filter excludes.
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: iid(1), State: { Name: 'terminated' }, Tags: bastion(iid(1), EXPIRY).Tags },
            { InstanceId: iid(2), State: { Name: 'shutting-down' }, Tags: bastion(iid(2), EXPIRY).Tags },
          ],
        },
      ],
    });

    const result = await reapBastions(deps(LATER));

    expect(ec2Mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(result.skipped.map((s) => s.reason)).toEqual(['already terminated', 'already shutting-down']);
    expect(emitted()).toHaveLength(0);
  });

  it('treats an instance that turns out to be gone when terminated as ended, without failing the others', async () => {
    // Prepare: the listing shows three bastions, but one vanished before TerminateInstances.
    cloud.add(bastion(iid(1), EXPIRY), bastion(iid(2), EXPIRY), bastion(iid(3), EXPIRY));
    store.put(STATUS_KEY, JSON.stringify(readyStatus([1, 2, 3].map((n) => openRecord(iid(n), EXPIRY)))));
    cloud.afterList = () => cloud.instances.delete(iid(2));

    const result = await reapBastions(deps(LATER));

    // The batch failed on the unknown id and was retried one by one.
    expect(terminatedIds()).toEqual([iid(1), iid(2), iid(3), iid(1), iid(2), iid(3)]);
    expect(result.terminated.sort()).toEqual([iid(1), iid(3)]);
    expect(result.alreadyGone).toEqual([iid(2)]);
    expect(status().bastions.map((b) => b.state)).toEqual(['expired', 'expired', 'expired']);
  });

  it('reports an instance it may not terminate, still reaping the rest, and fails the run', async () => {
    cloud.add(bastion(iid(1), EXPIRY), bastion(iid(2), EXPIRY));
    cloud.unauthorized.add(iid(1));

    const run = reapBastions(deps(LATER));

    await expect(run).rejects.toThrow(ReapIncompleteError);
    await expect(run).rejects.toThrow(/UnauthorizedOperation/);
    expect(cloud.state(iid(2))).toBe('shutting-down');
    expect(cloud.state(iid(1))).toBe('running');
  });
});

describe('reap-bastions: status document and events', () => {
  it('records each expiry in its project status document and emits one Bastion Expired per bastion', async () => {
    cloud.add(bastion(iid(1), EXPIRY), bastion(iid(2), LATER), bastion(iid(3), EXPIRY, { project: 'shop' }));
    store.put(
      STATUS_KEY,
      JSON.stringify(readyStatus([openRecord(iid(1), EXPIRY), openRecord(iid(2), LATER)])),
    );
    store.put('status/shop-production.json', JSON.stringify(readyStatus([], 'shop')));

    await reapBastions(deps('2026-11-26T08:02:00Z'));

    expect(status().bastions).toEqual([
      { ...openRecord(iid(1), EXPIRY), state: 'expired', closedAt: '2026-11-26T08:02:00.000Z' },
      openRecord(iid(2), LATER),
    ]);
    // A bastion the document had no record of gets one, built from its tags.
    expect(status('status/shop-production.json').bastions).toEqual([
      expect.objectContaining({
        instanceId: iid(3),
        state: 'expired',
        expiresAt: '2026-11-26T08:00:00.000Z',
      }),
    ]);
    const expired = emitted('Bastion Expired');
    expect(expired.map((e) => JSON.parse(e.Detail!).instanceId).sort()).toEqual([iid(1), iid(3)]);
    expect(expired[0]).toMatchObject({ Source: 'stackdrop', EventBusName: 'default' });
    expect(JSON.parse(expired[0]!.Detail!)).toMatchObject({ project: 'acme', environment: 'production' });
  });

  it('does not create a status document for a project that has none', async () => {
    cloud.add(bastion(iid(1), EXPIRY, { project: 'ghost' }));

    await reapBastions(deps(LATER));

    expect(store.objects.has('status/ghost-production.json')).toBe(false);
    expect(emitted('Bastion Expired')).toHaveLength(1);
  });

  it('writes nothing and emits nothing when no bastion has expired', async () => {
    cloud.add(bastion(iid(1), LATER));
    store.put(STATUS_KEY, JSON.stringify(readyStatus([openRecord(iid(1), LATER)])));

    const result = await reapBastions(deps(EXPIRY));

    expect(result.terminated).toEqual([]);
    expect(store.puts).toBe(0);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

describe('reap-bastions: two runs at once', () => {
  it('terminates each expired bastion, raises no error, and records and announces each expiry once', async () => {
    // Prepare: 30 expired bastions over 3 pages, all recorded open.
    cloud.pageSize = 10;
    const ids = Array.from({ length: 30 }, (_, n) => iid(n + 1));
    for (const id of ids) cloud.add(bastion(id, EXPIRY));
    store.put(STATUS_KEY, JSON.stringify(readyStatus(ids.map((id) => openRecord(id, EXPIRY)))));

    // Act: two overlapping runs over the same state.
    const [a, b] = await Promise.all([reapBastions(deps(LATER)), reapBastions(deps(LATER))]);

    // Assess
    expect(ids.every((id) => cloud.state(id) === 'shutting-down')).toBe(true);
    expect([...a.terminated, ...b.terminated].sort()).toEqual(ids);
    expect([...a.recorded, ...b.recorded].sort()).toEqual(ids);
    expect(status().bastions.filter((r) => r.state === 'expired')).toHaveLength(30);
    const announced = emitted('Bastion Expired').map((e) => JSON.parse(e.Detail!).instanceId);
    expect(announced.sort()).toEqual(ids);
  });

  it('neither rewrites the status nor announces again when another run already ended and recorded the bastion', async () => {
    // Prepare: the listing still shows the bastion running, but another run terminated and recorded it.
    cloud.add(bastion(iid(1), EXPIRY));
    store.put(
      STATUS_KEY,
      JSON.stringify(readyStatus([{ ...openRecord(iid(1), EXPIRY), state: 'expired', closedAt: LATER }])),
    );
    cloud.afterList = () => {
      cloud.instances.get(iid(1))!.state = 'shutting-down';
    };

    const result = await reapBastions(deps(LATER));

    expect(result.alreadyGone).toEqual([iid(1)]);
    expect(result.recorded).toEqual([]);
    expect(store.puts).toBe(0);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('is a no-op the second time when run twice in a row', async () => {
    cloud.add(bastion(iid(1), EXPIRY));
    store.put(STATUS_KEY, JSON.stringify(readyStatus([openRecord(iid(1), EXPIRY)])));

    await reapBastions(deps(LATER));
    const second = await reapBastions(deps(LATER));

    expect(second.terminated).toEqual([]);
    expect(emitted('Bastion Expired')).toHaveLength(1);
    expect(store.puts).toBe(1);
  });
});

describe('reap-bastions: per-bastion security groups', () => {
  const group = (id: string, expiresAt: string) => [
    { Key: TAG_MANAGED, Value: 'true' },
    { Key: TAG_ROLE, Value: ROLE_BASTION_ACCESS },
    { Key: TAG_EXPIRES_AT, Value: expiresAt },
    { Key: 'group', Value: id },
  ];

  it('deletes an access group only once its bastion is gone and its expiry has passed', async () => {
    // Prepare: an expired ssh bastion with its group, an orphaned expired group, a group being
    // opened right now (future expiry, no instance yet) and the network stack's bastion group.
    cloud.add(
      bastion(iid(1), EXPIRY, {
        groups: ['sg-shared', 'sg-a'],
        tags: { [TAG_ACCESS_GROUP]: 'sg-a' },
      }),
    );
    cloud.addGroup('sg-a', group('sg-a', EXPIRY));
    cloud.addGroup('sg-orphan', group('sg-orphan', EXPIRY));
    cloud.addGroup('sg-new', group('sg-new', '2026-11-26T10:00:00Z'));
    cloud.addGroup('sg-shared', [{ Key: TAG_MANAGED, Value: 'true' }]);
    cloud.addGroup('sg-bad', group('sg-bad', 'soon'));

    // Act: first pass terminates the bastion (still shutting down, so its group stays).
    const first = await reapBastions(deps(LATER));
    cloud.instances.get(iid(1))!.state = 'terminated';
    const second = await reapBastions(deps(LATER));

    // Assess
    expect(first.groupsDeleted).toEqual(['sg-orphan']);
    expect(second.groupsDeleted).toEqual(['sg-a']);
    expect([...cloud.groups.keys()].sort()).toEqual(['sg-bad', 'sg-new', 'sg-shared']);
    const deleted = ec2Mock.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input.GroupId);
    expect(deleted).not.toContain('sg-shared');
  });
});

describe('reap-bastions handler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reaps on the EventBridge scheduled event', async () => {
    vi.stubEnv('STATE_BUCKET', BUCKET);
    cloud.add(bastion(iid(1), '2020-01-01T00:00:00Z'));
    const { handler } = await import('#functions/reap-bastions/index.ts');

    const result = await handler(scheduledEvent());

    expect(result.terminated).toEqual([iid(1)]);
  });
});
