import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

/** What stackdrop needs to know about one stack at one moment. */
export interface StackView {
  stackId: string;
  stackName: string;
  status: string;
  reason?: string;
  terminationProtection: boolean;
  outputs: Record<string, string>;
}

/** The first resource that failed in an operation, with CloudFormation's reason. */
export interface FailedResource {
  logicalId: string;
  type?: string;
  reason: string;
}

const SUCCEEDED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** Final states in which UpdateStack is accepted. */
const UPDATABLE = new Set([...SUCCEEDED, 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
/** Final states out of which only a delete leads: the stack must be deleted and created again. */
const MUST_RECREATE = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'CREATE_FAILED',
  'REVIEW_IN_PROGRESS',
]);

/** A final status in which the requested operation succeeded. */
export function isSucceeded(status: string): boolean {
  return SUCCEEDED.has(status);
}
/** A final status from which UpdateStack is accepted. */
export function isUpdatable(status: string): boolean {
  return UPDATABLE.has(status);
}
/** A final status out of which only delete-and-create leads. */
export function mustRecreate(status: string): boolean {
  return MUST_RECREATE.has(status);
}
/** Every *_IN_PROGRESS except REVIEW_IN_PROGRESS (a stack created for a change set that never ran). */
export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}

/** The "nothing to change" answer to UpdateStack, in its old and newer wording. */
export function isNoUpdatesError(error: unknown): boolean {
  const message = (error as { message?: string })?.message ?? '';
  return message.includes('No updates are to be performed');
}

function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return (
    (e?.name === 'ValidationError' || e?.name === 'ValidationException') &&
    /does not exist/.test(e.message ?? '')
  );
}

function toView(stack: Stack): StackView {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue ?? '';
  }
  return {
    stackId: stack.StackId!,
    stackName: stack.StackName!,
    status: stack.StackStatus!,
    ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
    terminationProtection: stack.EnableTerminationProtection ?? false,
    outputs,
  };
}

/**
 * Describes a stack by name or id; undefined when it does not exist. A deleted stack is visible
 * (as DELETE_COMPLETE) only through its id.
 */
export async function describeStack(
  cfn: CloudFormationClient,
  nameOrId: string,
): Promise<StackView | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: nameOrId }));
    const stack = out.Stacks?.[0];
    return stack ? toView(stack) : undefined;
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

/**
 * Finds the first resource that failed in the stack's latest operation: the oldest *_FAILED
 * resource event since the operation began, skipping the "cancelled" failures that follow it.
 */
export async function firstFailedResource(
  cfn: CloudFormationClient,
  stackId: string,
  stackName: string,
): Promise<FailedResource | undefined> {
  const since: StackEvent[] = [];
  let nextToken: string | undefined;
  let reachedStart = false;
  // Events come newest first; stop at the stack-level event that began the latest operation.
  for (let page = 0; page < 10 && !reachedStart; page++) {
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }));
    for (const event of out.StackEvents ?? []) {
      const isStackEvent =
        event.LogicalResourceId === stackName && event.ResourceType === 'AWS::CloudFormation::Stack';
      if (
        isStackEvent &&
        ['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'IMPORT_IN_PROGRESS'].includes(
          event.ResourceStatus ?? '',
        )
      ) {
        reachedStart = true;
        break;
      }
      since.push(event);
    }
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  const failures = since
    .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.LogicalResourceId !== stackName)
    .reverse();
  const first = failures.find((e) => !/cancel/i.test(e.ResourceStatusReason ?? '')) ?? failures[0];
  if (!first) return validationFailure(since, stackName);
  return {
    logicalId: first.LogicalResourceId!,
    ...(first.ResourceType ? { type: first.ResourceType } : {}),
    reason: first.ResourceStatusReason ?? first.ResourceStatus!,
  };
}

/**
 * Pre-deployment validation fails the operation before any resource is touched: only the stack's
 * own events carry the reason, with DetailedStatus VALIDATION_FAILED, naming the resource in
 * "Properties validation failed for resource X with message: ..."
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html, read 2026-12-07).
 */
function validationFailure(since: StackEvent[], stackName: string): FailedResource | undefined {
  const event = since
    .filter((e) => e.LogicalResourceId === stackName && e.DetailedStatus === 'VALIDATION_FAILED')
    .at(-1);
  if (!event) return undefined;
  const reason = event.ResourceStatusReason ?? 'pre-deployment validation failed';
  const named = /\bfor resource ([A-Za-z0-9]+)/.exec(reason)?.[1];
  return { logicalId: named ?? stackName, ...(named ? {} : { type: 'AWS::CloudFormation::Stack' }), reason };
}

/** The stack name inside a CloudFormation stack ARN (`arn:...:stack/<name>/<uuid>`). */
export function stackNameFromId(stackId: string): string | undefined {
  return /:stack\/([^/]+)\//.exec(stackId)?.[1];
}
