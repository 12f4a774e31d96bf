import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  type Parameter,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { Stage } from '#shared/naming.ts';

/**
 * Milestones: the point inside a stack's first creation after which a later stage may start,
 * because the resources it really needs exist, although the stack itself is still creating
 * (issue 17). A stack completes only when its slowest resource does; the database needs the
 * subnets and its security group, not the NAT gateways, and the app needs the cluster's endpoint,
 * not the Aurora instances. The later stage gets the outputs it takes early, computed from
 * the resources themselves exactly as the template's Outputs compute them; the stack's own wait
 * for its final status goes on in parallel, and the project is `ready` only when every stack is
 * complete.
 *
 * Only a create has milestones: on an update the outputs may change, so the later stages wait for
 * the final status as before. Whenever something cannot be read, the milestone is simply not
 * reached early, and the stack's final status delivers the full outputs (slower, never wrong).
 */
export type MilestoneName = 'core' | 'cluster';

/** The milestone a stage's first creation hands on at, if any. */
export const STAGE_MILESTONES: Partial<Record<Stage, MilestoneName>> = {
  network: 'core',
  database: 'cluster',
};

export interface MilestoneDeps {
  cfn: CloudFormationClient;
  rds?: RDSClient;
}

const AZ_SLOTS = [1, 2, 3] as const;

/** What a resource looked like when it completed: physical id and its resolved properties. */
interface Completed {
  physicalId: string;
  properties: Record<string, unknown>;
}

/**
 * Resources of templates/network.yaml behind the outputs the database stage takes
 * (IsolatedSubnetIds, AvailabilityZones, DatabaseSecurityGroupId). Only the database starts at this
 * milestone: until its instances exist (after the cluster, minutes later) it has no network
 * interface in these subnets, so a network that fails meanwhile (a NAT gateway over quota) still
 * rolls back. The load balancer's interfaces would block that rollback at once, so the edge waits
 * for the complete network stack.
 */
export function networkCoreResources(azCount: number): string[] {
  // Vpc and AppSecurityGroup: the database stage's cache security group needs both (issue 15).
  return [
    'Vpc',
    ...AZ_SLOTS.slice(0, azCount).map((n) => `IsolatedSubnet${n}`),
    'DatabaseSecurityGroup',
    'AppSecurityGroup',
  ];
}

/** Resources of templates/database.yaml behind the outputs the app stage takes. */
export const DATABASE_CLUSTER_RESOURCES = ['Cluster'];

/**
 * Whether the database stage hands on at its cluster. With a cache the app also needs the cache's
 * endpoint, known only once the whole database stack is complete: no early hand-on then.
 */
export function databaseHandsOnEarly(cacheEngine: string | undefined): boolean {
  return !cacheEngine;
}

/**
 * The stage that starts at each stage's milestone (the provision state machine's graph), and the
 * milestone's resources given the stage's parameters (none: no early hand-on); every other
 * dependency waits for the whole stack. Read by the estimate of `stackdrop rehearse`.
 */
export const MILESTONE_HAND_ONS: Partial<
  Record<Stage, { to: Stage; resources: (p: Record<string, string>) => string[] }>
> = {
  network: {
    to: 'database',
    resources: (p) => networkCoreResources(Number(p.AvailabilityZoneCount ?? '2') === 3 ? 3 : 2),
  },
  database: {
    to: 'app',
    resources: (p) => (databaseHandsOnEarly(p.CacheEngine) ? DATABASE_CLUSTER_RESOURCES : []),
  },
};

function parameter(parameters: Parameter[] | undefined, key: string): string | undefined {
  return parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
}

/**
 * The wanted resources once every one of them is CREATE_COMPLETE, with its physical id and the
 * properties CloudFormation created it with: `ResourceProperties` of its events, "BLOB of the
 * properties used to create the resource", resolved values
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html, read
 * 2026-12-07), taken from whichever of its create events carries them.
 */
async function completedResources(
  cfn: CloudFormationClient,
  stackId: string,
  wanted: string[],
): Promise<Map<string, Completed> | undefined> {
  const want = new Set(wanted);
  const physical = new Map<string, string>();
  const properties = new Map<string, Record<string, unknown>>();
  let nextToken: string | undefined;
  // Newest first; a stack in its first create has a few hundred events at most.
  for (let page = 0; page < 10; page++) {
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }));
    for (const event of out.StackEvents ?? []) collect(event, want, physical, properties);
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  if (physical.size < want.size) return undefined;
  return new Map(
    wanted.map((id) => [id, { physicalId: physical.get(id)!, properties: properties.get(id) ?? {} }]),
  );
}

function collect(
  event: StackEvent,
  want: Set<string>,
  physical: Map<string, string>,
  properties: Map<string, Record<string, unknown>>,
): void {
  const id = event.LogicalResourceId ?? '';
  if (!want.has(id) || !event.ResourceStatus?.startsWith('CREATE_')) return;
  if (event.ResourceStatus === 'CREATE_COMPLETE' && event.PhysicalResourceId && !physical.has(id))
    physical.set(id, event.PhysicalResourceId);
  if (event.ResourceProperties && !properties.has(id)) {
    try {
      properties.set(id, JSON.parse(event.ResourceProperties) as Record<string, unknown>);
    } catch {
      // Only the subnets' zones are read; a subnet without them leaves the milestone unreached.
    }
  }
}

/**
 * The outputs the later stages take, once the milestone's resources have been created, or
 * undefined while they have not (or cannot be read). `parameters` are the stack's own.
 */
export async function milestoneOutputs(
  stage: Stage,
  stackId: string,
  parameters: Parameter[] | undefined,
  deps: MilestoneDeps,
): Promise<Record<string, string> | undefined> {
  if (stage === 'network') return networkCoreOutputs(stackId, parameters, deps);
  if (stage === 'database') {
    if (!databaseHandsOnEarly(parameter(parameters, 'CacheEngine'))) return undefined;
    return databaseClusterOutputs(stackId, parameters, deps);
  }
  return undefined;
}

async function networkCoreOutputs(
  stackId: string,
  parameters: Parameter[] | undefined,
  deps: MilestoneDeps,
): Promise<Record<string, string> | undefined> {
  const azCount = Number(parameter(parameters, 'AvailabilityZoneCount') ?? '2') === 3 ? 3 : 2;
  // security.kmsKey: create — the database encrypts with the key the network stage makes.
  const createsKey = parameter(parameters, 'KmsKey') === 'create';
  const needed = [...networkCoreResources(azCount), ...(createsKey ? ['Key'] : [])];
  const done = await completedResources(deps.cfn, stackId, needed);
  if (!done) return undefined;
  const slots = AZ_SLOTS.slice(0, azCount);
  // Output AvailabilityZones is `GetAZs` in subnet order; the isolated subnets were created in them.
  const zones = slots.map((n) => done.get(`IsolatedSubnet${n}`)!.properties.AvailabilityZone);
  if (!zones.every((z): z is string => typeof z === 'string' && z !== '')) return undefined;
  return {
    IsolatedSubnetIds: slots.map((n) => done.get(`IsolatedSubnet${n}`)!.physicalId).join(','),
    AvailabilityZones: zones.join(','),
    DatabaseSecurityGroupId: done.get('DatabaseSecurityGroup')!.physicalId,
    VpcId: done.get('Vpc')!.physicalId,
    AppSecurityGroupId: done.get('AppSecurityGroup')!.physicalId,
    // Output KmsKeyArn is `GetAtt Key.Arn`: the key's ARN in the stack's partition, Region and account.
    ...(createsKey ? { KmsKeyArn: keyArn(stackId, done.get('Key')!.physicalId) } : {}),
  };
}

/** `arn:<partition>:kms:<region>:<account>:key/<id>` for a key made in the stack `stackId`. */
function keyArn(stackId: string, keyId: string): string {
  const [, partition, , region, account] = stackId.split(':');
  return `arn:${partition}:kms:${region}:${account}:key/${keyId}`;
}

async function databaseClusterOutputs(
  stackId: string,
  parameters: Parameter[] | undefined,
  deps: MilestoneDeps,
): Promise<Record<string, string> | undefined> {
  if (!deps.rds) return undefined;
  const done = await completedResources(deps.cfn, stackId, DATABASE_CLUSTER_RESOURCES);
  const clusterId = done?.get('Cluster')?.physicalId;
  if (!clusterId) return undefined;
  const out = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
  const cluster = out.DBClusters?.[0];
  const secretArn = cluster?.MasterUserSecret?.SecretArn;
  if (!cluster?.Endpoint || !cluster.Port || !secretArn) return undefined;
  const engine = parameter(parameters, 'Engine') ?? cluster.Engine ?? '';
  return {
    ClusterIdentifier: clusterId,
    WriterEndpoint: cluster.Endpoint,
    ...(cluster.ReaderEndpoint ? { ReaderEndpoint: cluster.ReaderEndpoint } : {}),
    Port: String(cluster.Port),
    SecretArn: secretArn,
    DatabaseName: parameter(parameters, 'DatabaseName') ?? cluster.DatabaseName ?? '',
    Engine: engine,
  };
}
