import { type CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { ModifyDBClusterCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { StackView } from './cfn.ts';

/**
 * The Aurora cluster's own DeletionProtection blocks every delete, CloudFormation's included
 * ("Cannot delete protected Cluster, please disable deletion protection and try again";
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html#USER_DeletionProtection,
 * read 2026-12-07). stackdrop lifts it only where the cluster must go and its DeletionPolicy /
 * UpdateReplacePolicy (Snapshot) still keeps a final snapshot:
 * - a confirmed teardown;
 * - a database stack whose create never completed (ROLLBACK_COMPLETE/ROLLBACK_FAILED/CREATE_FAILED),
 *   before it is deleted and created again: that cluster never held data;
 * - an update the manifest allows to replace the cluster; protection is restored afterwards on
 *   whichever cluster the stack then names, so a cluster that was not replaced stays protected.
 */

/** The logical id of the cluster in templates/database.yaml. */
export const CLUSTER_LOGICAL_ID = 'Cluster';

/** The stack's cluster: its output, else the physical id of its Cluster resource (a failed create has no outputs). */
export async function clusterOf(cfn: CloudFormationClient, stack: StackView): Promise<string | undefined> {
  if (stack.outputs.ClusterIdentifier) return stack.outputs.ClusterIdentifier;
  try {
    const out = await cfn.send(
      new DescribeStackResourceCommand({ StackName: stack.stackId, LogicalResourceId: CLUSTER_LOGICAL_ID }),
    );
    const detail = out.StackResourceDetail;
    if (!detail?.PhysicalResourceId || detail.ResourceStatus === 'DELETE_COMPLETE') return undefined;
    return detail.PhysicalResourceId;
  } catch (error) {
    // No such resource in the stack (the create failed before the cluster was attempted).
    if ((error as { name?: string }).name === 'ValidationError') return undefined;
    throw error;
  }
}

/** Sets the cluster's DeletionProtection; a cluster that is already gone needs nothing. */
export async function setClusterProtection(
  rds: RDSClient | undefined,
  clusterId: string,
  enabled: boolean,
): Promise<void> {
  if (!rds) throw new Error('Changing the database cluster deletion protection needs an RDS client');
  try {
    await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: clusterId,
        DeletionProtection: enabled,
        ApplyImmediately: true,
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'DBClusterNotFoundFault') return;
    throw error;
  }
}
