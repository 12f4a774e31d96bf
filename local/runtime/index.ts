import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClockSpeed } from '../clock.ts';
import type { CloudFormationEngine } from '../cloudformation/index.ts';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../kernel.ts';
import { SqsEventSources } from './event-sources.ts';
import { LambdaRuntime } from './lambda.ts';
import { type AppPlan, planFromTemplate } from './sam.ts';
import { registerSamStack } from './sam-stack.ts';
import { StepFunctionsRuntime } from './stepfunctions.ts';

export { LambdaRuntime } from './lambda.ts';
export { type AppPlan, planFromTemplate, SamTemplateError } from './sam.ts';
export { StepFunctionsRuntime } from './stepfunctions.ts';

/** The repository root (where template.yaml lives). */
export const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DeployOptions {
  /** SAM template to run (default: the repository's template.yaml). */
  templatePath?: string;
  stackName?: string;
  parameters?: Record<string, string>;
  /** Variables added to every function's environment (e.g. `POWERTOOLS_LOG_LEVEL: 'SILENT'`). */
  environmentOverrides?: Record<string, string>;
}

/** stackdrop deployed on a local cloud: what was created, and the in-process runtimes. */
export interface StackdropDeployment {
  plan: AppPlan;
  /** Template outputs (BucketName, ProvisionStateMachineArn, ...). */
  outputs: Record<string, string>;
  lambda: LambdaRuntime;
  stepFunctions: StepFunctionsRuntime;
  eventSources: SqsEventSources;
  /** Waits until no event delivery, queued batch or asynchronous invocation is in flight. */
  drain(): Promise<void>;
  /** Stops pollers and executions and restores the process environment. */
  undeploy(): void;
}

/**
 * Deploys a SAM template (stackdrop's template.yaml by default) onto a running local cloud: its
 * bucket, queues, functions (in-process, with the environment SAM gives them), state machines,
 * rules, schedules and SQS event-source mappings, all read from the template. Registers the
 * Lambda and Step Functions APIs on the cloud.
 */
export async function deployStackdrop(
  cloud: LocalCloud,
  options: DeployOptions = {},
): Promise<StackdropDeployment> {
  const plan = planFromTemplate({
    templatePath: options.templatePath ?? resolve(REPOSITORY_ROOT, 'template.yaml'),
    stackName: options.stackName,
    region: cloud.region,
    accountId: cloud.accountId,
    parameters: options.parameters,
    endpoint: cloud.endpoint,
    environmentOverrides: options.environmentOverrides,
  });
  for (const role of plan.iam.roles) cloud.iam.roles.put(role);
  for (const policy of plan.iam.managedPolicies) cloud.iam.policies.put(policy);
  for (const [profile, role] of Object.entries(plan.iam.instanceProfiles))
    cloud.iam.putInstanceProfile(profile, role);
  for (const b of plan.buckets) {
    cloud.s3.createBucket(b.name, {
      versioning: b.versioning,
      eventBridge: b.eventBridge,
      tags: { 'aws:cloudformation:stack-name': plan.stackName },
    });
    if (b.policy) cloud.s3.setBucketPolicy(b.name, b.policy);
  }
  // Dead-letter queues before the queues that redrive to them.
  const redrivesTo = (q: AppPlan['queues'][number]) =>
    q.attributes.RedrivePolicy
      ? (JSON.parse(q.attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
      : undefined;
  const queues = [...plan.queues].sort(
    (a, b) => Number(Boolean(redrivesTo(a))) - Number(Boolean(redrivesTo(b))),
  );
  for (const q of queues)
    cloud.sqs.createQueue(q.name, q.attributes, { 'aws:cloudformation:stack-name': plan.stackName });

  const lambda = new LambdaRuntime(cloud, plan.functions, { rootDir: REPOSITORY_ROOT });
  const unload = await lambda.load();
  const stepFunctions = new StepFunctionsRuntime(cloud, lambda, plan.stateMachines);
  cloud.registerService('lambda', lambda.definition());
  cloud.registerService('states', stepFunctions.definition());
  const removeTargets = [
    cloud.eventBus.registerTargetHandler('arn:aws:lambda:', ({ target, payload }) => {
      lambda.invokeAsync(target.Arn, JSON.parse(payload));
    }),
    cloud.eventBus.registerTargetHandler('arn:aws:states:', ({ target, payload }) => {
      stepFunctions.startExecution({ stateMachineArn: target.Arn, input: payload });
    }),
  ];
  for (const r of plan.rules) {
    cloud.eventBus.putRule({
      Name: r.name,
      EventBusName: r.eventBusName,
      EventPattern: r.eventPattern,
      ScheduleExpression: r.scheduleExpression,
      State: r.state,
      Description: r.description,
    });
    cloud.eventBus.putTargets(r.name, r.targets, r.eventBusName);
  }
  for (const s of plan.schedules) {
    cloud.scheduler.createSchedule({
      Name: s.name,
      GroupName: s.groupName,
      ScheduleExpression: s.scheduleExpression,
      State: s.state,
      Target: s.target,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Description: s.description,
    });
  }
  const eventSources = new SqsEventSources(cloud, lambda, plan.eventSourceMappings);
  let undeployed = false;
  return {
    plan,
    outputs: plan.outputs,
    lambda,
    stepFunctions,
    eventSources,
    drain: async () => {
      for (let i = 0; i < 3; i++) {
        await cloud.eventBus.drain();
        await eventSources.drain();
        await lambda.drain();
      }
    },
    undeploy: () => {
      if (undeployed) return;
      undeployed = true;
      eventSources.stop();
      stepFunctions.dispose();
      for (const remove of removeTargets) remove();
      unload();
    },
  };
}

export interface LocalStackdrop extends StackdropDeployment {
  cloud: LocalCloud;
  cloudFormation: CloudFormationEngine;
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL / `aws --endpoint-url`. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts a local cloud (with the CloudFormation engine) and deploys stackdrop onto it: the
 * offline stackdrop the demo, rehearsals and end-to-end tests use.
 */
export async function startStackdrop(
  options: DeployOptions & LocalCloudOptions & { port?: number; speed?: ClockSpeed } = {},
): Promise<LocalStackdrop> {
  const running = await startLocalCloud({ speed: 'instant', ...options });
  const cloudFormation = running.cloud.cloudformation;
  try {
    const deployment = await deployStackdrop(running.cloud, options);
    // DescribeStacks on the SAM stack answers with its outputs, as after `sam deploy` (the CLI reads them).
    await registerSamStack(cloudFormation, deployment.plan.stackName, deployment.outputs);
    return {
      ...deployment,
      cloud: running.cloud,
      cloudFormation,
      endpoint: running.endpoint,
      stop: async () => {
        deployment.undeploy();
        await running.stop();
      },
    };
  } catch (error) {
    await running.stop();
    throw error;
  }
}
