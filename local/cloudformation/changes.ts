import { collectReferences } from './intrinsics.ts';
import type { CfnSpec, ReplacementBehaviour } from './spec.ts';
import { replacementBehaviour } from './validate/schemas.ts';

/** Canonical text of a value: object keys sorted, scalars as strings (CloudFormation compares them so). */
export function canonical(value: unknown): string {
  const normalise = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normalise);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, normalise((v as Record<string, unknown>)[k])]),
      );
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return v;
  };
  return JSON.stringify(normalise(value)) ?? 'undefined';
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Properties whose spec behaviour is "conditional" but which the local cloud always treats as
 * requiring replacement when their value changes (changing Aurora's engine family or master
 * user name creates a new cluster on AWS).
 */
const CONDITIONAL_REPLACEMENTS: Record<string, string[]> = {
  'AWS::RDS::DBCluster': ['Engine', 'MasterUsername'],
  'AWS::RDS::DBInstance': ['Engine', 'DBClusterIdentifier', 'MasterUsername'],
  'AWS::EC2::Subnet': ['Ipv6CidrBlock'],
};

/**
 * How changing one property of a type behaves: from the registry schema's createOnlyProperties
 * (the resource handler's contract), else the spec's; custom resources update in place.
 */
export function recreationOf(type: string, property: string, spec: CfnSpec): ReplacementBehaviour {
  return (
    replacementBehaviour(type, property) ??
    spec.resource(type)?.properties.get(property)?.replacement ??
    'Never'
  );
}

/** The names of top-level properties whose evaluated values differ. */
export function changedProperties(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => !sameValue(before[name], after[name]));
}

/** Whether an in-flight update of these properties replaces the resource. */
export function updateRequiresReplacement(type: string, changed: string[], spec: CfnSpec): boolean {
  return changed.some((name) => {
    const behaviour = recreationOf(type, name, spec);
    return (
      behaviour === 'Always' ||
      (behaviour === 'Conditionally' && (CONDITIONAL_REPLACEMENTS[type] ?? []).includes(name))
    );
  });
}

/** One entry of a change set's `ResourceChange.Details`. */
export interface ChangeDetail {
  Target: { Attribute: 'Properties' | 'Tags'; Name?: string; RequiresRecreation: ReplacementBehaviour };
  Evaluation: 'Static' | 'Dynamic';
  ChangeSource: 'DirectModification' | 'ParameterReference' | 'ResourceReference' | 'ResourceAttribute';
  CausingEntity?: string;
}

/** What the change-set planner knows about other resources of the same update. */
export interface PlannedOutcome {
  /** Resources that will be replaced (their Ref changes). */
  replaced: Set<string>;
  /** Resources that will be modified in place (their attributes may change). */
  modified: Set<string>;
  parameters: Set<string>;
  /** Parameters whose value changes in this update. */
  changedParameters: Set<string>;
}

/**
 * The details of a Modify change, property by property: direct template edits and parameter
 * changes are Static; references to resources being replaced or modified are Dynamic.
 */
export function describePropertyChanges(
  type: string,
  oldRaw: Record<string, unknown>,
  newRaw: Record<string, unknown>,
  oldValues: Record<string, unknown>,
  newValues: Record<string, unknown>,
  outcome: PlannedOutcome,
  condition: (name: string) => boolean,
  spec: CfnSpec,
): ChangeDetail[] {
  const details: ChangeDetail[] = [];
  const names = new Set([...Object.keys(oldRaw), ...Object.keys(newRaw), ...Object.keys(newValues)]);
  for (const name of names) {
    const target = {
      Attribute: name === 'Tags' ? ('Tags' as const) : ('Properties' as const),
      ...(name === 'Tags' ? {} : { Name: name }),
      RequiresRecreation: recreationOf(type, name, spec),
    };
    if (!sameValue(oldRaw[name], newRaw[name])) {
      details.push({ Target: target, Evaluation: 'Static', ChangeSource: 'DirectModification' });
      continue;
    }
    const refs = collectReferences(newRaw[name], condition);
    const parameter = refs.find((r) => r.kind === 'Ref' && outcome.changedParameters.has(r.target));
    if (parameter && !sameValue(oldValues[name], newValues[name])) {
      details.push({
        Target: target,
        Evaluation: 'Static',
        ChangeSource: 'ParameterReference',
        CausingEntity: parameter.target,
      });
      continue;
    }
    for (const ref of refs) {
      if (ref.kind === 'Ref' && outcome.replaced.has(ref.target)) {
        details.push({
          Target: target,
          Evaluation: 'Dynamic',
          ChangeSource: 'ResourceReference',
          CausingEntity: ref.target,
        });
        break;
      }
      if (ref.kind === 'GetAtt' && (outcome.replaced.has(ref.target) || outcome.modified.has(ref.target))) {
        details.push({
          Target: target,
          Evaluation: 'Dynamic',
          ChangeSource: 'ResourceAttribute',
          CausingEntity: `${ref.target}.${ref.attribute}`,
        });
        break;
      }
    }
  }
  return details;
}

/** `Replacement` of a Modify change: True when a static change always recreates, Conditional when it may. */
export function replacementOf(type: string, details: ChangeDetail[]): 'True' | 'False' | 'Conditional' {
  const forced = (d: ChangeDetail) =>
    d.Target.RequiresRecreation === 'Always' ||
    (d.Target.RequiresRecreation === 'Conditionally' &&
      d.Target.Name !== undefined &&
      (CONDITIONAL_REPLACEMENTS[type] ?? []).includes(d.Target.Name));
  if (details.some((d) => d.Evaluation === 'Static' && forced(d))) return 'True';
  if (details.some((d) => d.Target.RequiresRecreation !== 'Never')) return 'Conditional';
  return 'False';
}
