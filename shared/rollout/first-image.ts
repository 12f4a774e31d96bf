import { DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { stackName } from '../naming.ts';
import type { RolloutDeps } from './deploy.ts';

/**
 * The app stack is created before any image exists: its services run 0 tasks and its web
 * autoscaling (the scalable target and policies) is left out, because a minimum above 0 would
 * start tasks with nothing to pull. The first successful push rolls the services itself; this then
 * sets the stack's ImageDeployed parameter, so CloudFormation adds the autoscaling at the
 * manifest's bounds without waiting for the next manifest upload. Nothing else changes (the
 * template and every other parameter are the stack's own: UsePreviousTemplate, UsePreviousValue;
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html), so the
 * update touches no task definition or service and takes seconds; ImageUri is recorded by the next
 * provisioning, which passes the deployed image.
 */
export async function markFirstImageDeployed(
  project: string,
  environment: string,
  deps: Pick<RolloutDeps, 'cfn' | 'logger' | 'cfnRoleArn'>,
): Promise<'updating' | 'skipped'> {
  const name = stackName(project, environment, 'app');
  const ctx = { stackName: name };
  if (!deps.cfnRoleArn) {
    deps.logger.warn('No CloudFormation role configured; the app stack keeps its empty image', ctx);
    return 'skipped';
  }
  try {
    const out = await deps.cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    const current = stack?.Parameters?.find((p) => p.ParameterKey === 'ImageDeployed')?.ParameterValue;
    if (!stack || current !== 'false') return 'skipped';
    await deps.cfn.send(
      new UpdateStackCommand({
        StackName: stack.StackId,
        UsePreviousTemplate: true,
        Parameters: (stack.Parameters ?? []).map((p) =>
          p.ParameterKey === 'ImageDeployed'
            ? { ParameterKey: 'ImageDeployed', ParameterValue: 'true' }
            : { ParameterKey: p.ParameterKey, UsePreviousValue: true },
        ),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        RoleARN: deps.cfnRoleArn,
        Tags: stack.Tags,
      }),
    );
    deps.logger.info('First image deployed: the app stack turns web autoscaling on', ctx);
    return 'updating';
  } catch (error) {
    // A provisioning that holds the stack right now passes the deployed image itself.
    deps.logger.warn('Could not turn web autoscaling on after the first image', {
      ...ctx,
      error: (error as Error).message,
    });
    return 'skipped';
  }
}
