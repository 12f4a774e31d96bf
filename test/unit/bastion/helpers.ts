import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tag } from '@aws-sdk/client-ec2';
import type { ScheduledEvent } from 'aws-lambda';
import { ROLE_BASTION, TAG_ACCESS, TAG_ROLE } from '#shared/bastion/constants.ts';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_OPENED_BY, TAG_PROJECT } from '#shared/naming.ts';
import { type BastionRecord, type StatusDocument, StatusDocumentSchema } from '#shared/status.ts';
import type { FakeInstance } from './fake-cloud.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'events');

/** The EventBridge Scheduled Event fixture, cloned so a test may change it. */
export function scheduledEvent(): ScheduledEvent {
  return structuredClone(
    JSON.parse(readFileSync(join(fixtures, 'aws.events', 'scheduled.json'), 'utf8')) as ScheduledEvent,
  );
}

export const BUCKET = 'stackdrop-state-123456789012';

/** Tags open-bastion puts on a bastion; `overrides` replaces (or with undefined removes) a key. */
export function bastionTags(
  expiresAt: string,
  overrides: Record<string, string | undefined> = {},
  project = 'acme',
  environment = 'production',
): Tag[] {
  const tags: Record<string, string | undefined> = {
    [TAG_MANAGED]: 'true',
    [TAG_PROJECT]: project,
    [TAG_ENVIRONMENT]: environment,
    [TAG_EXPIRES_AT]: expiresAt,
    [TAG_OPENED_BY]: 'arn:aws:iam::123456789012:user/dev',
    [TAG_ROLE]: ROLE_BASTION,
    [TAG_ACCESS]: 'ssm',
    ...overrides,
  };
  return Object.entries(tags)
    .filter(([, value]) => value !== undefined)
    .map(([Key, Value]) => ({ Key, Value: Value! }));
}

/** A running bastion of acme/production expiring at `expiresAt`. */
export function bastion(
  id: string,
  expiresAt: string,
  options: Partial<FakeInstance> & { tags?: Record<string, string | undefined>; project?: string } = {},
): FakeInstance {
  const { tags, project, ...rest } = options;
  return {
    InstanceId: id,
    state: 'running',
    Tags: bastionTags(expiresAt, tags, project),
    LaunchTime: new Date('2026-11-26T06:00:00Z'),
    ...rest,
  };
}

/** An instance id from a number (`i-00000000000000007`). */
export function iid(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

/** A ready status document for acme/production with the given bastion records. */
export function readyStatus(
  bastions: BastionRecord[] = [],
  project = 'acme',
  phase: StatusDocument['phase'] = 'ready',
): StatusDocument {
  return StatusDocumentSchema.parse({
    project,
    environment: 'production',
    phase,
    updatedAt: '2026-11-26T06:00:00.000Z',
    manifest: { key: `manifests/${project}-production.yaml`, versionId: 'v-3' },
    bastions,
  });
}

export function openRecord(instanceId: string, expiresAt: string): BastionRecord {
  return {
    instanceId,
    access: 'ssm',
    openedBy: 'arn:aws:iam::123456789012:user/dev',
    callerCidr: '203.0.113.7/32',
    openedAt: '2026-11-26T06:00:00.000Z',
    expiresAt,
    state: 'open',
  };
}
