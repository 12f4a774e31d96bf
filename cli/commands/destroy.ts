import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { STAGES, stackName } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import { UserError } from '../errors.ts';

export interface TeardownStarted {
  project: string;
  environment: string;
  executionArn: string;
  startedAt: string;
}

/** Refuses unless `--confirm` repeats the project name exactly. */
export function checkConfirmation(project: string, confirm: string | undefined): void {
  if (confirm !== project) {
    throw new UserError(
      `Destroying ${project} deletes its stacks (the database is kept as a final snapshot). Repeat the project name to confirm: --confirm ${project}`,
    );
  }
}

/** Whether any of a project's stacks exists (a deleted stack is only describable by its id, so a name miss means none). */
async function anyStackExists(
  cfn: CloudFormationClient,
  project: string,
  environment: string,
): Promise<boolean> {
  for (const stage of STAGES) {
    try {
      const out = await cfn.send(
        new DescribeStacksCommand({ StackName: stackName(project, environment, stage) }),
      );
      if (out?.Stacks?.some((stack) => stack.StackStatus !== 'DELETE_COMPLETE')) return true;
    } catch (error) {
      if (!/does not exist/.test((error as Error).message ?? '')) throw error;
    }
  }
  return false;
}

/**
 * Refuses to tear down a project stackdrop has never heard of: no status document and no stack.
 * Starting the teardown anyway would write a status document for a phantom project.
 */
export async function requireKnownProject(
  project: string,
  environment: string,
  doc: StatusDocument | undefined,
  cfn: CloudFormationClient,
): Promise<void> {
  if (doc) return;
  if (await anyStackExists(cfn, project, environment)) return;
  throw new UserError(
    `No project ${project}/${environment} in this stackdrop: nothing to destroy. \`stackdrop status\` lists the projects (pass --environment if it is not production).`,
  );
}

/** Starts the teardown state machine with the confirmation it requires to lift termination protection. */
export async function startTeardown(
  project: string,
  environment: string,
  confirm: string,
  deps: { sfn: SFNClient; stateMachineArn: string; now: () => Date },
): Promise<TeardownStarted> {
  checkConfirmation(project, confirm);
  const now = deps.now();
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('T', '-').replace('Z', '');
  const out = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: `destroy-${project}-${environment}-${stamp}`.slice(0, 80),
      input: JSON.stringify({ project, environment, confirm }),
    }),
  );
  return { project, environment, executionArn: out.executionArn!, startedAt: now.toISOString() };
}

/** Reads the teardown execution; a FAILED/TIMED_OUT/ABORTED one is returned with its error. */
export async function teardownExecution(
  sfn: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/**
 * Where the database's final snapshot is: the identifier recorded in the status document when
 * teardown wrote one, otherwise how to find it by the cluster's identifier (the `ClusterIdentifier`
 * output; CloudFormation names the cluster after the stack).
 */
export function snapshotLocation(doc: StatusDocument | undefined, region?: string): string {
  const outputs = doc?.outputs ?? {};
  const recorded = Object.entries(outputs).find(([k]) => /snapshot/i.test(k));
  const regionFlag = region ? ` --region ${region}` : '';
  if (recorded) {
    return `final database snapshot: ${recorded[1]} (aws rds describe-db-cluster-snapshots --db-cluster-snapshot-identifier ${recorded[1]}${regionFlag})`;
  }
  const cluster = outputs.ClusterIdentifier;
  if (!cluster) {
    // CloudFormation names the cluster after its (possibly truncated) stack name, which always
    // starts with stackdrop-.
    return `the database's final snapshot is kept (DeletionPolicy: Snapshot); find it among stackdrop's with: aws rds describe-db-cluster-snapshots --snapshot-type manual --query "DBClusterSnapshots[?starts_with(DBClusterIdentifier, 'stackdrop-')]"${regionFlag}`;
  }
  return `the database's final snapshot is kept (DeletionPolicy: Snapshot); find it with: aws rds describe-db-cluster-snapshots --db-cluster-identifier ${cluster} --snapshot-type manual${regionFlag}`;
}
