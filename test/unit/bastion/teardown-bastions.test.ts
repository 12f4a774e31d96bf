import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ec2, events, s3 } from '#shared/aws.ts';
import { ROLE_BASTION_ACCESS, TAG_ACCESS_GROUP, TAG_ROLE } from '#shared/bastion/constants.ts';
import { closeProjectBastions } from '#shared/bastion/teardown.ts';
import { logger } from '#shared/logger.ts';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_PROJECT } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeEc2, FakeS3 } from './fake-cloud.ts';
import { BUCKET, bastion, iid, openRecord, readyStatus } from './helpers.ts';

const ec2Mock = mockClient(EC2Client);
const s3Mock = mockClient(S3Client);
const eventsMock = mockClient(EventBridgeClient);
const EXPIRY = '2026-11-26T09:00:00Z';
const GROUP = 'sg-0123456789abcdef0';
const request = (wait = false) => ({ teardown: { project: 'acme', environment: 'production' }, wait });
const deps = () => {
  const at = new Date('2026-11-26T08:00:00Z');
  return { ec2, s3, events, logger, now: () => at, bucket: BUCKET, sleep: async () => {} };
};

let cloud: FakeEc2;
let store: FakeS3;

function emitted(): PutEventsRequestEntry[] {
  return eventsMock.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

beforeEach(() => {
  ec2Mock.reset();
  s3Mock.reset();
  eventsMock.reset();
  cloud = new FakeEc2();
  cloud.install(ec2Mock);
  store = new FakeS3();
  store.install(s3Mock);
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  // acme's ssh bastion with its access group; another project's bastion that must stay.
  cloud.add(bastion(iid(1), EXPIRY, { groups: [GROUP], tags: { [TAG_ACCESS_GROUP]: GROUP } }));
  cloud.add(bastion(iid(2), EXPIRY, { project: 'other' }));
  cloud.addGroup(GROUP, [
    { Key: TAG_MANAGED, Value: 'true' },
    { Key: TAG_PROJECT, Value: 'acme' },
    { Key: TAG_ENVIRONMENT, Value: 'production' },
    { Key: TAG_ROLE, Value: ROLE_BASTION_ACCESS },
    { Key: TAG_EXPIRES_AT, Value: EXPIRY },
  ]);
  store.put(`status/acme-production.json`, JSON.stringify(readyStatus([openRecord(iid(1), EXPIRY)])));
});

describe("teardown: closing a project's bastions", () => {
  it("terminates only the project's bastions, recording each closed by the teardown", async () => {
    // Act
    const result = await closeProjectBastions(request(), deps());

    // Assess
    expect(
      ec2Mock.commandCalls(TerminateInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds),
    ).toEqual([iid(1)]);
    expect(cloud.state(iid(2))).toBe('running');
    expect(result.terminated).toEqual([iid(1)]);
    const doc = store.json('status/acme-production.json') as StatusDocument;
    expect(doc.bastions[0]).toMatchObject({ instanceId: iid(1), state: 'closed', closedBy: 'teardown' });
    expect(emitted().map((e) => e.DetailType)).toEqual(['Bastion Closed']);
  });

  it('fails with BastionsRemain in wait mode while a bastion shuts down, then deletes its access group', async () => {
    // Prepare
    await closeProjectBastions(request(), deps());

    // Act
    const whileShuttingDown = closeProjectBastions(request(true), deps());
    await expect(whileShuttingDown).rejects.toMatchObject({ name: 'BastionsRemain' });
    cloud.instances.get(iid(1))!.state = 'terminated';
    const afterwards = await closeProjectBastions(request(true), deps());

    // Assess
    expect(afterwards).toEqual({ terminated: [], groupsDeleted: [GROUP], remaining: [] });
    expect(cloud.groups.has(GROUP)).toBe(false);
  });
});
