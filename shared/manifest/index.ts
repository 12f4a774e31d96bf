import { checkManifestValue, ManifestInvalidError } from './parse.ts';
import type { Manifest } from './schema.ts';

export {
  RESERVED_ENVIRONMENT,
  SUPPORTED_ENGINE_VERSIONS,
  smallestFargateMemory,
} from './limits.ts';
export {
  checkManifestValue,
  MAX_MANIFEST_BYTES,
  ManifestInvalidError,
  type ManifestResult,
  parseManifest,
  parseManifestOrThrow,
} from './parse.ts';
export { countProblems, formatProblem, type ManifestProblem, problemsHeader } from './problems.ts';
export {
  applyDerivedDefaults,
  DEFAULT_INSTANCE_CLASS,
  DEFAULT_WEB_DESIRED_COUNT,
  networkOf,
  parseCidr,
} from './rules.ts';
export {
  FARGATE_SIZES,
  isValidFargateSize,
  type Manifest,
  type ManifestInput,
  ManifestObjectSchema,
  ManifestSchema,
} from './schema.ts';

/**
 * Validates an already-parsed manifest object against the full schema (cross-field rules included)
 * and returns it with every default applied; throws {@link ManifestInvalidError} listing all problems.
 */
export function validateManifestObject(value: unknown, file = 'manifest'): Manifest {
  const result = checkManifestValue(value, file);
  if (!result.ok) throw new ManifestInvalidError(result.problems);
  return result.manifest;
}
