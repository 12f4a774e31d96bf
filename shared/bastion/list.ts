import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_OPENED_BY, TAG_PROJECT } from '../naming.ts';
import { type BastionRecord, readStatus } from '../status.ts';
import { LIVE_STATES, TAG_ACCESS, TAG_ACCESS_GROUP } from './constants.ts';
import { describeAllInstances } from './ec2.ts';
import { ListBastionsInputSchema, parseRequest } from './input.ts';
import { isExpired, readExpiry, tagValue } from './tags.ts';

export interface ListDeps {
  ec2: EC2Client;
  s3: S3Client;
  now: () => Date;
  bucket: string;
}

export interface LiveBastion {
  instanceId: string;
  /** EC2 state: pending, running, stopping, stopped or shutting-down. */
  state: string;
  access?: string;
  expiresAt?: string;
  /** True once the expiry has passed (the reaper terminates it within 5 minutes). */
  expired: boolean;
  minutesLeft?: number;
  address?: string;
  openedBy?: string;
  launchedAt?: string;
  accessGroupId?: string;
}

export interface ListBastionsResult {
  project: string;
  environment: string;
  /** Bastions EC2 still runs for this project, from their tags (the source of truth). */
  bastions: LiveBastion[];
  /** The status document's bastion records, newest last; an `open` record whose instance is gone reads `ended`. */
  history: (BastionRecord & { effectiveState: BastionRecord['state'] | 'ended' })[];
}

/** Lists a project's bastions: the live ones from EC2 tags, the history from the status document. */
export async function listBastions(event: unknown, deps: ListDeps): Promise<ListBastionsResult> {
  const { project, environment } = parseRequest(ListBastionsInputSchema, event);
  const now = deps.now();
  const instances = await describeAllInstances(deps.ec2, [
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_PROJECT}`, Values: [project] },
    { Name: `tag:${TAG_ENVIRONMENT}`, Values: [environment] },
    { Name: 'tag-key', Values: [TAG_EXPIRES_AT] },
    { Name: 'instance-state-name', Values: [...LIVE_STATES, 'shutting-down'] },
  ]);
  const bastions = instances.map((instance): LiveBastion => {
    const expiry = readExpiry(instance.Tags);
    const known = expiry instanceof Date ? expiry : undefined;
    const optional = {
      access: tagValue(instance.Tags, TAG_ACCESS),
      expiresAt: known?.toISOString() ?? tagValue(instance.Tags, TAG_EXPIRES_AT),
      minutesLeft: known ? Math.max(0, Math.ceil((known.getTime() - now.getTime()) / 60_000)) : undefined,
      address: instance.PublicIpAddress,
      openedBy: tagValue(instance.Tags, TAG_OPENED_BY),
      launchedAt: instance.LaunchTime?.toISOString(),
      accessGroupId: tagValue(instance.Tags, TAG_ACCESS_GROUP),
    };
    return {
      instanceId: instance.InstanceId!,
      state: instance.State?.Name ?? 'unknown',
      expired: known ? isExpired(known, now) : false,
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    };
  });
  const liveIds = new Set(bastions.map((b) => b.instanceId));
  const status = await readStatus({ bucket: deps.bucket, project, environment }, deps);
  const history = (status?.doc.bastions ?? []).map((record) => ({
    ...record,
    effectiveState:
      record.state === 'open' && !liveIds.has(record.instanceId) ? ('ended' as const) : record.state,
  }));
  return { project, environment, bastions, history };
}
