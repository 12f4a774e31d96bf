/** Stages stackdrop deploys, in dependency order: edge and database both need only the network. */
export const STAGES = ['network', 'database', 'edge', 'app'] as const;
export type Stage = (typeof STAGES)[number];

export const STACK_PREFIX = 'stackdrop-';

/** `stackdrop-<project>-<environment>-<stage>` */
export function stackName(project: string, environment: string, stage: Stage): string {
  return `${STACK_PREFIX}${project}-${environment}-${stage}`;
}

/** Splits a stackdrop stack name back into its parts, or undefined for any other stack. */
export function parseStackName(
  name: string,
): { project: string; environment: string; stage: Stage } | undefined {
  // Environments never contain hyphens, so the split is unambiguous even for hyphenated projects.
  const match = /^stackdrop-([a-z][a-z0-9-]{1,30})-([a-z][a-z0-9]{0,15})-(network|database|edge|app)$/.exec(
    name,
  );
  if (!match) return undefined;
  return { project: match[1]!, environment: match[2]!, stage: match[3] as Stage };
}

/** Key of a project's manifest in the stackdrop bucket. */
export function manifestKey(
  project: string,
  environment: string,
  extension: 'yaml' | 'json' = 'yaml',
): string {
  return `manifests/${project}-${environment}.${extension}`;
}

/** Key of a project's status document in the stackdrop bucket (written by stackdrop only). */
export function statusKey(project: string, environment: string): string {
  return `status/${project}-${environment}.json`;
}

/** Tags on everything stackdrop creates. */
export const TAG_PROJECT = 'stackdrop:project';
export const TAG_ENVIRONMENT = 'stackdrop:environment';
export const TAG_MANAGED = 'stackdrop:managed';
export const TAG_EXPIRES_AT = 'stackdrop:expires-at';
export const TAG_OPENED_BY = 'stackdrop:opened-by';

export function stackdropTags(project: string, environment: string): { Key: string; Value: string }[] {
  return [
    { Key: TAG_PROJECT, Value: project },
    { Key: TAG_ENVIRONMENT, Value: environment },
    { Key: TAG_MANAGED, Value: 'true' },
  ];
}
