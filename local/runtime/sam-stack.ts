import type { CloudFormationEngine } from '../cloudformation/engine.ts';

/**
 * Registers the SAM application's stack (`stackdrop`) with the local CloudFormation engine, so that
 * `DescribeStacks` answers with its outputs as it does on AWS after `sam deploy` — what the
 * `stackdrop` CLI reads to find the bucket, state machines, queue and functions. The stack holds a
 * single placeholder resource: the application itself runs in-process (see `deployStackdrop`).
 * On an instant clock it resolves once the stack is `CREATE_COMPLETE`; on a manual or scaled clock
 * it completes when virtual time moves on.
 */
export async function registerSamStack(
  engine: CloudFormationEngine,
  stackName: string,
  outputs: Record<string, string>,
): Promise<void> {
  const body = [
    'Description: stackdrop SAM application (run in-process by the local runtime)',
    'Resources:',
    '  LocalRuntime:',
    '    Type: AWS::CloudFormation::WaitConditionHandle',
    ...(Object.keys(outputs).length ? ['Outputs:'] : []),
    ...Object.entries(outputs).flatMap(([key, value]) => [
      `  ${key}:`,
      `    Value: ${JSON.stringify(value)}`,
    ]),
    '',
  ].join('\n');
  engine.createStack({ StackName: stackName, TemplateBody: body });
  if (engine.cloud.clock.speed === 'instant') await engine.settled(stackName);
}
