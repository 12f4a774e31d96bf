import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '#shared/manifest/index.ts';
import type { Stage } from '#shared/naming.ts';
import { RenderError, renderStacks, type StageOutputs } from '#shared/render.ts';
import { UserError } from './errors.ts';

/** One stage as the CLI shows and deploys it (tags flattened to a map for display and JSON). */
export interface PlannedStack {
  stage: Stage;
  stackName: string;
  templateFile: string;
  /** The synthesised template text (app stage); static stages are read from templateFile. */
  templateBody?: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  dependsOn: Stage[];
}

/** The repository root (templates/ lives there); the CLI runs from its sources. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Renders every stage of a manifest with shared/render.ts, the same code provisioning uses.
 * Outputs not known yet stay `<stage.Output>` markers.
 */
export function planStacks(
  manifest: Manifest,
  context: { outputs?: StageOutputs; imageUri?: string } = {},
): PlannedStack[] {
  try {
    return renderStacks(manifest, {
      outputs: context.outputs ?? {},
      imageUri: context.imageUri ?? '',
    }).map((r) => ({
      stage: r.stage,
      stackName: r.stackName,
      templateFile: r.templateFile,
      ...(r.templateBody !== undefined ? { templateBody: r.templateBody } : {}),
      parameters: r.parameters,
      tags: Object.fromEntries(r.tags.map((t) => [t.Key, t.Value])),
      dependsOn: r.dependsOn,
    }));
  } catch (error) {
    if (error instanceof RenderError) throw new UserError(error.message);
    throw error;
  }
}

/** Stacks as `--json` shows them: the synthesised template text stays out (it can be 100s of KB). */
export function stacksForJson(stacks: PlannedStack[]): Omit<PlannedStack, 'templateBody'>[] {
  return stacks.map(({ templateBody: _body, ...rest }) => rest);
}
