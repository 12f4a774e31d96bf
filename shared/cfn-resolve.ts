import type { CfnTemplate } from './cfn-yaml.ts';

/**
 * Resolves the parts of a template that depend only on parameters and pseudo parameters (no
 * resource attributes): Ref, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If and conditions
 * (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), with `AWS::NoValue` removing the element, as
 * CloudFormation resolves them.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html (read 2026-12-07)
 *
 * What cannot be known before a stack exists (another resource's Ref or GetAtt, a parameter
 * without a value) resolves to `undefined` and drops out of lists, so a policy read this way never
 * grants more than the deployed one would.
 */

export interface ResolveScope {
  template: CfnTemplate;
  /** Parameter values as passed to CloudFormation (lists comma-joined). */
  parameters: Record<string, string>;
  region: string;
  accountId: string;
  partition?: string;
}

const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = unknown;

function pseudo(name: string, scope: ResolveScope): Resolved {
  const partition = scope.partition ?? 'aws';
  const values: Record<string, string> = {
    'AWS::Region': scope.region,
    'AWS::AccountId': scope.accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
  return values[name];
}

function ref(name: string, scope: ResolveScope): Resolved {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name.startsWith('AWS::')) return pseudo(name, scope);
  const declared = scope.template.Parameters?.[name] as { Type?: string; Default?: unknown } | undefined;
  if (!declared) return undefined;
  const raw =
    scope.parameters[name] ?? (declared.Default === undefined ? undefined : String(declared.Default));
  if (raw === undefined) return undefined;
  return declared.Type === 'CommaDelimitedList' || declared.Type?.startsWith('List<')
    ? raw.split(',').map((s) => s.trim())
    : raw;
}

/** Evaluates a named condition or a condition expression. */
export function evaluateCondition(expr: unknown, scope: ResolveScope, seen = new Set<string>()): boolean {
  const e = (expr ?? {}) as Record<string, unknown>;
  if (typeof e.Condition === 'string') {
    if (seen.has(e.Condition)) throw new Error(`condition ${e.Condition} refers to itself`);
    const body = scope.template.Conditions?.[e.Condition];
    if (body === undefined) throw new Error(`unknown condition ${e.Condition}`);
    return evaluateCondition(body, scope, new Set([...seen, e.Condition]));
  }
  const args = (key: string) => e[key] as unknown[];
  if ('Fn::Equals' in e) {
    const [a, b] = args('Fn::Equals').map((v) => resolveValue(v, scope));
    return JSON.stringify(a) === JSON.stringify(b);
  }
  if ('Fn::Not' in e) return !evaluateCondition(args('Fn::Not')[0], scope, seen);
  if ('Fn::And' in e) return args('Fn::And').every((c) => evaluateCondition(c, scope, seen));
  if ('Fn::Or' in e) return args('Fn::Or').some((c) => evaluateCondition(c, scope, seen));
  throw new Error(`unsupported condition ${JSON.stringify(expr).slice(0, 80)}`);
}

function sub(args: unknown, scope: ResolveScope): Resolved {
  const [text, vars] = typeof args === 'string' ? [args, {}] : (args as [string, Record<string, unknown>]);
  let unknown = false;
  const out = text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const value =
      name in vars ? resolveValue(vars[name], scope) : name.includes('.') ? undefined : ref(name, scope);
    if (typeof value !== 'string') {
      unknown = true;
      return whole;
    }
    return value;
  });
  return unknown ? undefined : out;
}

/** Resolves a template value; see the module comment for what stays `undefined`. */
export function resolveValue(value: unknown, scope: ResolveScope): Resolved {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, scope)).filter((v) => v !== NO_VALUE && v !== undefined);
  }
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = o[key];
    if (key === 'Ref') return ref(String(arg), scope);
    if (key === 'Fn::Sub') return sub(arg, scope);
    if (key === 'Fn::GetAtt' || key === 'Fn::ImportValue' || key === 'Fn::GetAZs') return undefined;
    if (key === 'Fn::If') {
      const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return resolveValue(evaluateCondition({ Condition: condition }, scope) ? whenTrue : whenFalse, scope);
    }
    if (key === 'Fn::Join') {
      const [delimiter, list] = arg as [string, unknown];
      const parts = resolveValue(list, scope);
      if (!Array.isArray(parts) || parts.some((p) => typeof p !== 'string')) return undefined;
      return parts.join(delimiter);
    }
    if (key === 'Fn::Split') {
      const [delimiter, text] = arg as [string, unknown];
      const s = resolveValue(text, scope);
      return typeof s === 'string' ? s.split(delimiter) : undefined;
    }
    if (key === 'Fn::Select') {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveValue(list, scope);
      return Array.isArray(items) ? items[Number(resolveValue(index, scope))] : undefined;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const r = resolveValue(v, scope);
    if (r !== NO_VALUE && r !== undefined) out[k] = r;
  }
  return out;
}

/**
 * The policy document of an `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` resource as the stack
 * would write it (a resource whose Condition is false has none).
 */
export function resolvedPolicyDocument(
  logicalId: string,
  scope: ResolveScope,
): { Version?: string; Statement: Record<string, unknown>[] } | undefined {
  const resource = scope.template.Resources[logicalId] as
    | { Condition?: string; Properties?: { PolicyDocument?: unknown } }
    | undefined;
  if (!resource?.Properties?.PolicyDocument) return undefined;
  if (resource.Condition && !evaluateCondition({ Condition: resource.Condition }, scope)) return undefined;
  const document = resolveValue(resource.Properties.PolicyDocument, scope) as {
    Version?: string;
    Statement?: unknown;
  };
  const statements = [document.Statement ?? []].flat() as Record<string, unknown>[];
  // A statement whose every resource is still unknown grants nothing yet.
  const kept = statements.filter((s) => !('Resource' in s) || [s.Resource].flat().length > 0);
  return { ...document, Statement: kept.filter((s) => 'Resource' in s || 'NotResource' in s) };
}
