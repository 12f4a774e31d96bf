import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { startTeardown } from '#cli/commands/destroy.ts';
import { installCloudFormation } from '#local/cloudformation/index.ts';
import { startLocalCloud } from '#local/kernel.ts';
import type { startStackdrop } from '#local/runtime/index.ts';
import { LOCAL_CREDENTIALS, type LocalSession } from '#local/runtime/session.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import { stackTemplateText } from '#shared/provision/templates.ts';
import { parsePendingOutput, renderStacks, TEMPLATE_FILES } from '#shared/render.ts';
import { stageRoleBoundary } from '#test/helpers/stage-boundary.ts';

type Stackdrop = Awaited<ReturnType<typeof startStackdrop>>;
type Execution = Stackdrop['stepFunctions']['executions'] extends Map<string, infer E> ? E : never;

/**
 * Drops the manifest into the bucket and waits for the provisioning execution to succeed; returns
 * the virtual time of the drop and the execution.
 */
export async function provisionThroughStackdrop(
  sd: Stackdrop,
  session: LocalSession,
  text: string,
  manifest: Manifest,
): Promise<{ start: number; execution: Execution }> {
  const start = session.now();
  await session.dropManifest(text, `manifests/${manifest.project}-${manifest.environment}.yaml`);
  await session.waitForStatus(
    manifest.project,
    manifest.environment,
    (d) => d.phase === 'ready' || d.phase === 'failed',
    { timeoutMs: 120_000 },
  );
  const execution = [...sd.stepFunctions.executions.values()][0]!;
  await execution.done;
  if (execution.status !== 'SUCCEEDED')
    throw new Error(`provisioning ${execution.status}: ${execution.cause}`);
  return { start, execution };
}

/**
 * Starts the teardown (what `stackdrop destroy <project> --confirm <project>` does) of a provisioned
 * project and waits for `destroyed`; returns the virtual time of the start and the execution.
 */
export async function teardownThroughStackdrop(
  sd: Stackdrop,
  session: LocalSession,
  manifest: Manifest,
): Promise<{ start: number; execution: Execution }> {
  const sfn = new SFNClient({
    endpoint: sd.endpoint,
    region: sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const before = new Set(sd.stepFunctions.executions.keys());
    const start = session.now();
    await session.act(() =>
      startTeardown(manifest.project, manifest.environment, manifest.project, {
        sfn,
        stateMachineArn: sd.outputs.TeardownStateMachineArn!,
        now: () => sd.cloud.clock.date(),
      }),
    );
    await session.waitForStatus(
      manifest.project,
      manifest.environment,
      (d) => d.phase === 'destroyed' || d.phase === 'failed',
      { timeoutMs: 120_000 },
    );
    const execution = [...sd.stepFunctions.executions.entries()].find(([arn]) => !before.has(arn))![1];
    await execution.done;
    if (execution.status !== 'SUCCEEDED') throw new Error(`teardown ${execution.status}: ${execution.cause}`);
    return { start, execution };
  } finally {
    sfn.destroy();
  }
}

/** Logical id of a stage's nested stack in the parent (`network` → `NetworkStack`). */
const logical = (stage: string) => `${stage[0]!.toUpperCase()}${stage.slice(1)}Stack`;

/** Virtual milliseconds from CreateStack of the parent to its CREATE_COMPLETE, on a fresh local cloud. */
export async function nestedStacksMakespan(manifest: Manifest): Promise<number> {
  const running = await startLocalCloud({ speed: 'instant' });
  const engine = installCloudFormation(running.cloud);
  // The stage roles' permissions boundary, which stackdrop's own template creates in a real
  // account: IAM refuses a role whose boundary does not exist.
  stageRoleBoundary(running.cloud);
  const cfn = new CloudFormationClient({
    endpoint: running.endpoint,
    region: running.cloud.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const bucket = 'makespan-templates';
    running.cloud.s3.createBucket(bucket);
    const resources: Record<string, unknown> = {};
    for (const stack of renderStacks(manifest)) {
      running.cloud.s3.putObject(bucket, TEMPLATE_FILES[stack.stage], Buffer.from(stackTemplateText(stack)));
      const parameters: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(stack.parameters)) {
        const pending = parsePendingOutput(v);
        parameters[k] = pending ? { 'Fn::GetAtt': [logical(pending.stage), `Outputs.${pending.output}`] } : v;
      }
      resources[logical(stack.stage)] = {
        Type: 'AWS::CloudFormation::Stack',
        Properties: {
          TemplateURL: `https://${bucket}.s3.${running.cloud.region}.amazonaws.com/${TEMPLATE_FILES[stack.stage]}`,
          Parameters: parameters,
          Tags: stack.tags,
        },
      };
    }
    const start = running.cloud.clock.now();
    running.cloud.clock.busy();
    await cfn.send(
      new CreateStackCommand({
        StackName: 'makespan-parent',
        TemplateBody: JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources }),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      }),
    );
    running.cloud.clock.idle();
    for (;;) {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: 'makespan-parent' }));
      const stack = out.Stacks![0]!;
      if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) {
        if (stack.StackStatus !== 'CREATE_COMPLETE')
          throw new Error(`parent ${stack.StackStatus}: ${stack.StackStatusReason}`);
        const parent = [...engine.stacks.values()].find((s) => s.stackName === 'makespan-parent')!;
        const done = parent.events.find(
          (e) => e.LogicalResourceId === 'makespan-parent' && e.ResourceStatus === 'CREATE_COMPLETE',
        )!;
        return done.Timestamp.getTime() - start;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    cfn.destroy();
    await running.stop();
  }
}
