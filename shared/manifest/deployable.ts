import { appTemplateLimitProblems } from '../synth/app/limits.ts';
import { checkManifestValue, type ManifestCheck, type ManifestResult, parseManifest } from './parse.ts';

/**
 * Validation for a manifest about to be planned or deployed: the schema and its rules, then AWS's
 * limits on what it synthesises (the app template's size, resources and parameters, each task
 * definition's size and containers: shared/synth/app/limits.ts). `stackdrop validate`, plan,
 * deploy and rehearse, and the load-manifest function use it; functions that only read an
 * already-deployed manifest use parseManifest and do not bundle the template builder.
 */
export const DEPLOY_CHECKS: readonly ManifestCheck[] = [appTemplateLimitProblems];

/** parseManifest plus the deploy checks, each problem at its file:line:col. */
export function parseDeployableManifest(input: string | Uint8Array, file: string): ManifestResult {
  return parseManifest(input, file, DEPLOY_CHECKS);
}

/** checkManifestValue plus the deploy checks (paths only, no source positions). */
export function checkDeployableValue(value: unknown, file = 'manifest'): ManifestResult {
  return checkManifestValue(value, file, DEPLOY_CHECKS);
}
