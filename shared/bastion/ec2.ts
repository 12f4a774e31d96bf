import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type SecurityGroup,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';

/** The AWS error code of an SDK error (EC2 puts it in `name`, sometimes only in `Code`). */
export function errorCode(error: unknown): string | undefined {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.code ?? e?.name;
}

/** Every instance matching the filters, across all pages. */
export async function describeAllInstances(ec2: EC2Client, filters: Filter[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: token }),
    );
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    token = page.NextToken || undefined;
  } while (token);
  return instances;
}

/** Every security group matching the filters, across all pages. */
export async function describeAllSecurityGroups(ec2: EC2Client, filters: Filter[]): Promise<SecurityGroup[]> {
  const groups: SecurityGroup[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: filters, MaxResults: 1000, NextToken: token }),
    );
    groups.push(...(page.SecurityGroups ?? []));
    token = page.NextToken || undefined;
  } while (token);
  return groups;
}

/**
 * What TerminateInstances did to one instance: `terminated` when this call moved it out of a live
 * state, `gone` when it was already shutting down, terminated or unknown to EC2 (another run or the
 * instance itself got there first), `failed` with the reason otherwise.
 */
export type TerminateOutcome =
  | { instanceId: string; result: 'terminated'; previousState: string }
  | { instanceId: string; result: 'gone'; previousState?: string }
  | { instanceId: string; result: 'failed'; error: string };

const GONE_STATES = new Set(['shutting-down', 'terminated']);

/**
 * Terminates instances in batches. One bad id fails a whole TerminateInstances call, so a failed
 * batch is retried one instance at a time; InvalidInstanceID.NotFound counts as already gone.
 */
export async function terminateInBatches(
  ec2: EC2Client,
  instanceIds: string[],
  batchSize: number,
): Promise<TerminateOutcome[]> {
  const outcomes: TerminateOutcome[] = [];
  for (let i = 0; i < instanceIds.length; i += batchSize) {
    const batch = instanceIds.slice(i, i + batchSize);
    try {
      outcomes.push(...(await terminate(ec2, batch)));
    } catch {
      for (const id of batch) {
        try {
          outcomes.push(...(await terminate(ec2, [id])));
        } catch (error) {
          outcomes.push(
            errorCode(error)?.startsWith('InvalidInstanceID')
              ? { instanceId: id, result: 'gone' }
              : {
                  instanceId: id,
                  result: 'failed',
                  error: `${errorCode(error)}: ${(error as Error).message}`,
                },
          );
        }
      }
    }
  }
  return outcomes;
}

async function terminate(ec2: EC2Client, ids: string[]): Promise<TerminateOutcome[]> {
  const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  const byId = new Map((out.TerminatingInstances ?? []).map((change) => [change.InstanceId, change]));
  return ids.map((instanceId): TerminateOutcome => {
    const previousState = byId.get(instanceId)?.PreviousState?.Name;
    if (previousState === undefined) return { instanceId, result: 'gone' };
    return GONE_STATES.has(previousState)
      ? { instanceId, result: 'gone', previousState }
      : { instanceId, result: 'terminated', previousState };
  });
}
