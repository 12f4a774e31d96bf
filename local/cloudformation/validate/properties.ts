import { collectReferences, intrinsicName } from '../intrinsics.ts';
import { propertyProblems } from './schemas.ts';

/** Stands for a value only known once another resource exists (its Ref or an attribute). */
const UNRESOLVED = '\u0000unresolved\u0000';

/**
 * The properties of a resource as far as they can be known before any resource is provisioned:
 * every function whose value depends on a resource (Ref of a resource, Fn::GetAtt, an Fn::Sub
 * naming one) is left unresolved, the rest is evaluated with the stack's parameters, mappings
 * and conditions. CloudFormation's pre-deployment validation checks these values; the others are
 * checked by the resource handler when it runs.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/validate-stack-deployments.html
 */
export function knownProperties(
  raw: unknown,
  isResource: (name: string) => boolean,
  condition: (name: string) => boolean,
  evaluate: (value: unknown) => unknown,
): { properties: Record<string, unknown>; unresolved: string[] } | undefined {
  const dependsOnResource = (node: unknown) =>
    collectReferences(node, condition).some((r) => r.kind === 'GetAtt' || isResource(r.target));
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (!node || typeof node !== 'object') return node;
    if (intrinsicName(node) !== undefined) return dependsOnResource(node) ? UNRESOLVED : node;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replace(v)]));
  };
  let value: unknown;
  try {
    value = evaluate(replace(raw ?? {}));
  } catch {
    // A function that cannot be evaluated yet fails at provisioning with its own message.
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const unresolved: string[] = [];
  const collect = (node: unknown, path: string): void => {
    if (typeof node === 'string' && node.includes(UNRESOLVED)) unresolved.push(path);
    else if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) collect(v, `${path}/${i}`);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node))
        collect(v, `${path}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  };
  collect(value, '');
  return { properties: value as Record<string, unknown>, unresolved };
}

/** One resource whose known property values the registry schema refuses. */
export interface PropertyValidationFailure {
  logicalId: string;
  problems: string[];
}

/** The message CloudFormation reports for a resource whose properties fail the schema. */
export function propertiesValidationMessage(logicalId: string, problems: string[]): string {
  return `Properties validation failed for resource ${logicalId} with message: [${problems.join(', ')}]`;
}

/** The pre-deployment property check of every resource, first failures first (template order). */
export function preDeploymentProblems(
  resources: { logicalId: string; type: string; raw: unknown }[],
  isResource: (name: string) => boolean,
  condition: (name: string) => boolean,
  evaluate: (value: unknown) => unknown,
): PropertyValidationFailure[] {
  const failures: PropertyValidationFailure[] = [];
  for (const r of resources) {
    const known = knownProperties(r.raw, isResource, condition, evaluate);
    if (!known) continue;
    const problems = propertyProblems(r.type, known.properties, known.unresolved);
    if (problems && problems.length > 0) failures.push({ logicalId: r.logicalId, problems });
  }
  return failures;
}
