import type { Manifest } from '#shared/manifest/index.ts';
import type { Stage } from '#shared/naming.ts';
import { type RenderedStack, renderStacks, type StageOutputs, unresolvedParameters } from '#shared/render.ts';
import type { DeployRecord } from '#shared/status.ts';
import type { StackRequest } from './stack-driver.ts';

/** A stage was asked for before the stages it needs had produced their outputs. */
export class MissingOutputsError extends Error {
  override name = 'MissingOutputsError';
}

/**
 * The database cluster is never replaced (a replacement is a new, empty database) unless the
 * manifest says `database.allowReplacement: true`; a stack policy makes CloudFormation refuse it.
 */
export const DATABASE_STACK_POLICY = JSON.stringify({
  Statement: [
    { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: ['Update:Replace', 'Update:Delete'],
      Principal: '*',
      Resource: '*',
      Condition: { StringEquals: { ResourceType: ['AWS::RDS::DBCluster'] } },
    },
  ],
});
export const ALLOW_ALL_UPDATES_POLICY = JSON.stringify({
  Statement: [{ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' }],
});

/** The image the app stack runs: the last deploy that succeeded, pinned by digest (or none yet). */
export function lastDeployedImage(deploys: DeployRecord[], repositoryUri: string | undefined): string {
  const last = deploys.filter((d) => d.outcome === 'succeeded').at(-1);
  return last && repositoryUri ? `${repositoryUri}@${last.digest}` : '';
}

/**
 * Renders one stage of a manifest into the request the stack driver carries out (the template
 * itself is attached by the caller: inline or by URL).
 */
export function planStack(
  manifest: Manifest,
  stage: Stage,
  outputs: StageOutputs,
  imageUri: string,
): { rendered: RenderedStack; request: StackRequest } {
  const rendered = renderStacks(manifest, { outputs, imageUri }).find((s) => s.stage === stage)!;
  const missing = unresolvedParameters(rendered);
  if (missing.length > 0) {
    throw new MissingOutputsError(
      `${stage} needs ${missing.map((m) => `${m.stage}.${m.output}`).join(', ')}, which no earlier stage produced`,
    );
  }
  const request: StackRequest = {
    action: 'deploy',
    parameters: Object.entries(rendered.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    tags: rendered.tags,
    ...(stage === 'database'
      ? {
          terminationProtection: true,
          stackPolicyBody: DATABASE_STACK_POLICY,
          ...(manifest.database.allowReplacement
            ? { stackPolicyDuringUpdateBody: ALLOW_ALL_UPDATES_POLICY }
            : {}),
        }
      : {}),
  };
  return { rendered, request };
}
