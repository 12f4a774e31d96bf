import type { Manifest } from '#shared/manifest/index.ts';
import { type Stage, stackName } from '#shared/naming.ts';
import type { StageOutputs } from '#shared/render.ts';
import { readStatus } from '#shared/status.ts';
import { describeStack } from './cfn.ts';
import { lastDeployedImage, planStack } from './plan.ts';
import {
  type DriverDeps,
  type Outcome,
  type StackRequest,
  type StackResult,
  startWait,
} from './stack-driver.ts';
import { templateSource } from './templates.ts';

/**
 * The deploy-stack function's core: turns a state machine request for one stage into a stack
 * wait (deploy or delete), or checks a teardown request before anything is deleted.
 */

export interface StackTaskInput {
  action: 'deploy' | 'delete';
  /** 'check' is the fallback after a wait timed out. */
  mode?: 'start' | 'check';
  /** deploy: hand on at the stage's milestone (milestones.ts) instead of the final status. */
  until?: 'milestone' | 'final';
  /** deploy: only wait for the final status of the operation this execution started. */
  finishOnly?: boolean;
  stage: Stage;
  project: string;
  environment: string;
  executionId: string;
  taskToken: string;
  /** deploy: the manifest as load-manifest validated it (defaults applied). */
  manifest?: Manifest;
  /** deploy: results of the stages done so far; their outputs feed this stage's parameters. */
  stacks?: Partial<Record<Stage, Pick<StackResult, 'outputs'>>>;
  /** delete: the teardown request as started (`{ project, environment, confirm? }`). */
  request?: TeardownRequest;
}

/** What `stackdrop destroy` starts the teardown state machine with; `confirm` is optional. */
export interface TeardownRequest {
  project: string;
  environment: string;
  confirm?: string;
}

/** A teardown would have to lift termination protection without the explicit confirmation. */
export class ConfirmationRequiredError extends Error {
  override name = 'ConfirmationRequiredError';
}

/** Whether a teardown request carries the explicit confirmation (`--confirm <project>`). */
export function isConfirmed(input: {
  project: string;
  environment: string;
  request?: { confirm?: string };
}): boolean {
  const confirm = input.request?.confirm;
  return confirm === input.project || confirm === `${input.project}-${input.environment}`;
}

function stageOutputs(stacks: StackTaskInput['stacks']): StageOutputs {
  const outputs: StageOutputs = {};
  for (const [stage, result] of Object.entries(stacks ?? {})) {
    if (result?.outputs) outputs[stage as Stage] = result.outputs;
  }
  return outputs;
}

/** Starts (or, in check mode, re-arms) the wait for one stage's stack. */
export async function runStackTask(input: StackTaskInput, deps: DriverDeps): Promise<Outcome> {
  const name = stackName(input.project, input.environment, input.stage);
  let request: StackRequest;
  if (input.action === 'delete') {
    request = { action: 'delete', liftTerminationProtection: isConfirmed(input) };
  } else if (input.finishOnly) {
    // Adopts the running operation's record; nothing is rendered or started.
    request = { action: 'deploy' };
  } else {
    // Validated by load-manifest in the same execution; not parsed again, which keeps the YAML
    // parser out of this function's bundle.
    const manifest = input.manifest!;
    const outputs = stageOutputs(input.stacks);
    let imageUri = '';
    if (input.stage === 'app') {
      const status = await readStatus(
        { bucket: deps.bucket, project: input.project, environment: input.environment },
        deps,
      );
      imageUri = lastDeployedImage(status?.doc.deploys ?? [], outputs.edge?.RepositoryUri);
    }
    const plan = planStack(manifest, input.stage, outputs, imageUri);
    request = { ...plan.request, ...(await templateSource(plan.rendered, deps)) };
  }
  return startWait(
    {
      stage: input.stage,
      stackName: name,
      project: input.project,
      environment: input.environment,
      executionId: input.executionId,
      taskToken: input.taskToken,
      request,
      mode: input.mode ?? 'start',
      ...(input.until ? { until: input.until } : {}),
      ...(input.finishOnly ? { finishOnly: true } : {}),
    },
    deps,
  );
}

/**
 * Refuses a teardown before anything is deleted when a stack is termination-protected and the
 * request lacks the confirmation, so a half-deleted project never results from a missing flag.
 */
export async function checkTeardown(
  input: { project: string; environment: string; request?: { confirm?: string } },
  deps: Pick<DriverDeps, 'cfn'>,
): Promise<{ protectedStacks: string[]; confirmed: boolean }> {
  const confirmed = isConfirmed(input);
  const protectedStacks: string[] = [];
  for (const stage of ['app', 'edge', 'database', 'network'] as const) {
    const stack = await describeStack(deps.cfn, stackName(input.project, input.environment, stage));
    if (stack?.terminationProtection && stack.status !== 'DELETE_COMPLETE')
      protectedStacks.push(stack.stackName);
  }
  if (protectedStacks.length > 0 && !confirmed) {
    throw new ConfirmationRequiredError(
      `${protectedStacks.join(', ')} ha${protectedStacks.length > 1 ? 've' : 's'} termination protection: run the teardown again with --confirm ${input.project}`,
    );
  }
  return { protectedStacks, confirmed };
}
