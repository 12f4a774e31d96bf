import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stackName } from '../naming.ts';

/** A stack's status and outputs, or undefined when the stack does not exist. */
export async function readStack(
  name: string,
  deps: { cfn: CloudFormationClient },
): Promise<{ status: string; outputs: Record<string, string> } | undefined> {
  try {
    const out = await deps.cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack) return undefined;
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? '';
    return { status: stack.StackStatus ?? 'UNKNOWN', outputs };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) return undefined;
    throw error;
  }
}

/** Everything a rollout needs to know about the project's stacks. */
export interface DeployTarget {
  cluster: string;
  repositoryUri: string;
  subnets: string[];
  securityGroups: string[];
  webService: string;
  workerServices: string[];
  schedulerService: string | undefined;
  releaseTaskDefinition: string | undefined;
  /** The app stack's ImageUri parameter as output: empty for a stack created without an image. */
  stackImageUri: string;
}

export class DeployTargetIncompleteError extends Error {
  override name = 'DeployTargetIncompleteError';
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Final (not in-progress) stack states in which the app's services exist. */
const USABLE = /^(CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_ROLLBACK_COMPLETE|IMPORT_COMPLETE)$/;

export type TargetLookup =
  | { kind: 'ready'; target: DeployTarget }
  | { kind: 'missing'; reason: string }
  | { kind: 'busy'; reason: string; stage: 'network' | 'edge' | 'app'; status: string };

/**
 * Reads the network, edge and app stacks' outputs into a deploy target: `missing` when the app
 * stack does not exist yet, `busy` while a stack operation is in progress.
 */
export async function lookupDeployTarget(
  project: string,
  environment: string,
  deps: { cfn: CloudFormationClient },
): Promise<TargetLookup> {
  const [network, edge, app] = await Promise.all(
    (['network', 'edge', 'app'] as const).map((stage) =>
      readStack(stackName(project, environment, stage), deps),
    ),
  );
  if (!app)
    return { kind: 'missing', reason: `stack ${stackName(project, environment, 'app')} does not exist yet` };
  if (!network || !edge) {
    return {
      kind: 'missing',
      reason: `the network or edge stack of ${project}-${environment} does not exist`,
    };
  }
  for (const [stage, stack] of [
    ['network', network],
    ['edge', edge],
    ['app', app],
  ] as const) {
    if (!USABLE.test(stack.status)) {
      const reason = `stack ${stackName(project, environment, stage)} is ${stack.status}`;
      return /_IN_PROGRESS$/.test(stack.status)
        ? { kind: 'busy', reason, stage, status: stack.status }
        : { kind: 'missing', reason };
    }
  }
  const need = (outputs: Record<string, string>, key: string, stage: string) => {
    const value = outputs[key];
    if (!value) throw new DeployTargetIncompleteError(`The ${stage} stack has no ${key} output`);
    return value;
  };
  return {
    kind: 'ready',
    target: {
      cluster: need(edge.outputs, 'ClusterName', 'edge'),
      repositoryUri: need(edge.outputs, 'RepositoryUri', 'edge'),
      subnets: list(need(network.outputs, 'PrivateSubnetIds', 'network')),
      securityGroups: [need(network.outputs, 'AppSecurityGroupId', 'network')],
      webService: need(app.outputs, 'WebServiceName', 'app'),
      workerServices: list(app.outputs.WorkerServiceNames),
      schedulerService: app.outputs.SchedulerServiceName || undefined,
      releaseTaskDefinition: app.outputs.ReleaseTaskDefinitionArn || undefined,
      stackImageUri: app.outputs.ImageUri ?? '',
    },
  };
}
