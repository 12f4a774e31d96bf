import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { notAwsEndpointMessage, UnreachableError, UserError } from './errors.ts';

/** Outputs of the stackdrop SAM stack the CLI relies on (template.yaml's Outputs). */
export const STACKDROP_OUTPUTS = [
  'BucketName',
  'ProvisionStateMachineArn',
  'TeardownStateMachineArn',
  'DeployQueueUrl',
  'OpenBastionFunctionName',
  'CloseBastionFunctionName',
  'ListBastionsFunctionName',
] as const;
export type StackdropOutput = (typeof STACKDROP_OUTPUTS)[number];

export class StackdropNotFoundError extends UserError {
  override name = 'StackdropNotFoundError';
}

/** The stackdrop installation found in the account: its stack name and outputs. */
export interface Stackdrop {
  stackName: string;
  outputs: Partial<Record<StackdropOutput, string>> & Record<string, string>;
}

/** Reads the stackdrop stack's outputs; a missing stack becomes a one-line explanation. */
export async function findStackdrop(
  cfn: CloudFormationClient,
  stackName: string,
  endpoint?: string,
): Promise<Stackdrop> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    // Every AWS answer carries a request id; a web server's 200 page parses as an empty answer.
    if (!stack && endpoint && out.$metadata && !out.$metadata.requestId)
      throw new UnreachableError(notAwsEndpointMessage(endpoint));
    if (!stack) throw notFound(stackName);
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) {
      if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    }
    return { stackName, outputs };
  } catch (error) {
    if (isStackMissing(error)) throw notFound(stackName);
    throw error;
  }
}

/** Returns one output, or explains that this stackdrop installation lacks it. */
export function requireOutput(stackdrop: Stackdrop, key: StackdropOutput): string {
  const value = stackdrop.outputs[key];
  if (!value) {
    throw new UserError(
      `The ${stackdrop.stackName} stack has no ${key} output: update stackdrop (sam build && sam deploy) to a version that has it.`,
    );
  }
  return value;
}

function notFound(stackName: string): StackdropNotFoundError {
  return new StackdropNotFoundError(
    `stackdrop is not deployed here (no stack "${stackName}" in this account and region): deploy it with \`sam build && sam deploy --guided\`, or pass --stack, --region or --profile.`,
  );
}

/** CloudFormation answers a missing stack with a ValidationError "... does not exist". */
export function isStackMissing(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationError' && /does not exist/.test(e.message ?? '');
}
