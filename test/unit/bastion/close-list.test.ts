import {
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ec2, events, s3 } from '#shared/aws.ts';
import { closeBastion } from '#shared/bastion/close.ts';
import { TAG_ACCESS_GROUP, TAG_ROLE } from '#shared/bastion/constants.ts';
import { BastionRefusedError } from '#shared/bastion/input.ts';
import { listBastions } from '#shared/bastion/list.ts';
import { logger } from '#shared/logger.ts';
import { TAG_MANAGED } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeEc2, FakeS3 } from './fake-cloud.ts';
import { BUCKET, bastion, iid, openRecord, readyStatus } from './helpers.ts';

const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(EventBridgeClient);

const NOW = new Date('2026-11-26T07:30:00.000Z');
const EXPIRY = '2026-11-26T08:00:00Z';
const STATUS_KEY = 'status/acme-production.json';

let cloud: FakeEc2;
let store: FakeS3;

const deps = () => ({ ec2, s3, events, logger, now: () => NOW, bucket: BUCKET, sleep: async () => {} });

beforeEach(() => {
  ec2Mock.reset();
  s3Mock.reset();
  eventsMock.reset();
  cloud = new FakeEc2();
  cloud.install(ec2Mock);
  store = new FakeS3();
  store.install(s3Mock);
  store.put(STATUS_KEY, JSON.stringify(readyStatus([openRecord(iid(1), '2026-11-26T08:00:00.000Z')])));
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({
    SecurityGroupRules: [
      { SecurityGroupRuleId: 'sgr-in', IsEgress: false },
      { SecurityGroupRuleId: 'sgr-out', IsEgress: true },
    ],
  });
  ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
});

describe('close-bastion', () => {
  it('terminates the bastion, records the close with who asked, and emits Bastion Closed', async () => {
    cloud.add(bastion(iid(1), EXPIRY));

    const result = await closeBastion(
      { project: 'acme', environment: 'production', instanceId: iid(1), closedBy: 'jane' },
      deps(),
    );

    expect(result).toEqual({ instanceId: iid(1), result: 'terminated', closedAt: NOW.toISOString() });
    expect(cloud.state(iid(1))).toBe('shutting-down');
    const doc = store.json(STATUS_KEY) as StatusDocument;
    expect(doc.bastions[0]).toMatchObject({ state: 'closed', closedAt: NOW.toISOString(), closedBy: 'jane' });
    const entry = eventsMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('Bastion Closed');
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      project: 'acme',
      instanceId: iid(1),
      closedBy: 'jane',
    });
    expect(ec2Mock).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it("revokes an ssh bastion's port-22 rule at once", async () => {
    cloud.add(bastion(iid(1), EXPIRY, { tags: { [TAG_ACCESS_GROUP]: 'sg-access' } }));

    await closeBastion({ project: 'acme', environment: 'production', instanceId: iid(1) }, deps());

    expect(ec2Mock).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, {
      Filters: [{ Name: 'group-id', Values: ['sg-access'] }],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
      GroupId: 'sg-access',
      SecurityGroupRuleIds: ['sgr-in'],
    });
  });

  it('is idempotent: closing twice terminates, records and announces once', async () => {
    cloud.add(bastion(iid(1), EXPIRY));
    const request = { project: 'acme', environment: 'production', instanceId: iid(1) };

    await closeBastion(request, deps());
    const second = await closeBastion(request, deps());

    expect(second.result).toBe('already-ended');
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(
      (store.json(STATUS_KEY) as StatusDocument).bastions.filter((b) => b.state === 'closed'),
    ).toHaveLength(1);
  });

  it.each([
    ['another project', bastion(iid(1), EXPIRY, { project: 'shop' }), 'belongs to shop/production'],
    [
      'an instance stackdrop does not manage',
      bastion(iid(1), EXPIRY, { tags: { [TAG_MANAGED]: undefined } }),
      'not managed',
    ],
    [
      'a managed instance that is not a bastion',
      bastion(iid(1), EXPIRY, { tags: { [TAG_ROLE]: 'worker' } }),
      'no bastion role',
    ],
    ['a bastion with a malformed expiry', bastion(iid(1), 'soon'), 'no bastion role and expiry'],
  ])('refuses to terminate %s', async (_label, instance, reason) => {
    cloud.add(instance);

    const run = closeBastion({ project: 'acme', environment: 'production', instanceId: iid(1) }, deps());

    await expect(run).rejects.toThrow(BastionRefusedError);
    await expect(run).rejects.toThrow(reason);
    expect(ec2Mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(cloud.state(iid(1))).toBe('running');
    expect(store.puts).toBe(0);
  });

  it('refuses an instance EC2 does not know', async () => {
    const run = closeBastion({ project: 'acme', environment: 'production', instanceId: iid(9) }, deps());

    await expect(run).rejects.toThrow('EC2 does not know this instance');
    expect(ec2Mock).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });
});

describe('list-bastions', () => {
  it("lists the project's live bastions from EC2 tags and the history from the status document", async () => {
    cloud.add(
      bastion(iid(1), EXPIRY, { PublicIpAddress: '198.51.100.20', tags: { 'stackdrop:access': 'ssh' } }),
      bastion(iid(2), '2026-11-26T07:00:00Z', { state: 'stopped' }),
      bastion(iid(3), EXPIRY, { project: 'shop' }),
    );
    store.put(
      STATUS_KEY,
      JSON.stringify(
        readyStatus([
          openRecord(iid(1), '2026-11-26T08:00:00.000Z'),
          openRecord(iid(7), '2026-11-26T07:00:00.000Z'),
          { ...openRecord(iid(8), '2026-11-26T05:00:00.000Z'), state: 'expired' },
        ]),
      ),
    );

    const result = await listBastions({ project: 'acme', environment: 'production' }, deps());

    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: expect.arrayContaining([
        { Name: 'tag:stackdrop:project', Values: ['acme'] },
        { Name: 'tag:stackdrop:managed', Values: ['true'] },
      ]),
    });
    expect(result.bastions).toEqual([
      {
        instanceId: iid(1),
        state: 'running',
        access: 'ssh',
        expiresAt: '2026-11-26T08:00:00.000Z',
        expired: false,
        minutesLeft: 30,
        address: '198.51.100.20',
        openedBy: 'arn:aws:iam::123456789012:user/dev',
        launchedAt: '2026-11-26T06:00:00.000Z',
      },
      expect.objectContaining({ instanceId: iid(2), state: 'stopped', expired: true, minutesLeft: 0 }),
    ]);
    expect(result.history.map((r) => [r.instanceId, r.effectiveState])).toEqual([
      [iid(1), 'open'],
      [iid(7), 'ended'],
      [iid(8), 'expired'],
    ]);
  });

  it('refuses a malformed request', async () => {
    await expect(listBastions({ project: 'Acme!' }, deps())).rejects.toThrow(BastionRefusedError);
  });
});

describe('close-bastion and list-bastions handlers', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('close and list through their Lambda handlers', async () => {
    vi.stubEnv('STATE_BUCKET', BUCKET);
    cloud.add(bastion(iid(1), '2099-01-01T00:00:00Z'));
    const close = await import('#functions/close-bastion/index.ts');
    const list = await import('#functions/list-bastions/index.ts');

    const before = await list.handler({ project: 'acme', environment: 'production' });
    await close.handler({ project: 'acme', environment: 'production', instanceId: iid(1) });
    const after = await list.handler({ project: 'acme', environment: 'production' });

    expect(before.bastions.map((b) => b.state)).toEqual(['running']);
    expect(after.bastions.map((b) => b.state)).toEqual(['shutting-down']);
  });
});
