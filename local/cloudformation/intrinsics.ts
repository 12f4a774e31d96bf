import { cidr } from './cidr.ts';
import { CfnValidationError } from './errors.ts';

/** What `{ "Ref": "AWS::NoValue" }` evaluates to: removed from the enclosing object or list. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** What the evaluator needs from the stack being processed. */
export interface IntrinsicContext {
  region: string;
  /** Parameters, pseudo parameters and resources (physical ids / Ref return values). */
  ref(name: string): unknown;
  getAtt(resource: string, attribute: string): unknown;
  condition(name: string): boolean;
  mappings: Record<string, Record<string, Record<string, unknown>>>;
  importValue(name: string): string;
  getAZs(region: string): string[];
}

const INTRINSICS = new Set([
  'Ref',
  'Condition',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Length',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::ToJsonString',
  'Fn::Transform',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
]);

/** The intrinsic function name of a `{ "Fn::X": ... }` / `{ "Ref": ... }` node, if it is one. */
export function intrinsicName(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return INTRINSICS.has(key) ? key : undefined;
}

function fail(message: string): never {
  throw new CfnValidationError(`Template error: ${message}`);
}

/** Scalars CloudFormation accepts where a string is expected. */
export function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(`${where} does not resolve to a string`);
}

function asList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  return fail(`${where} does not resolve to a list`);
}

function asInteger(value: unknown, where: string): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n)) return n;
  return fail(`${where} must be an integer`);
}

/** Splits a GetAtt argument (`[Res, Attr]` or `"Res.Attr"`) into resource and attribute. */
export function getAttParts(arg: unknown): [string, unknown] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot > 0) return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') return [arg[0], arg[1]];
  return fail('every Fn::GetAtt object requires two non-empty parameters');
}

interface SubPart {
  literal?: string;
  variable?: string;
}

/** Parses an `Fn::Sub` string into literals and `${Var}` references (`${!Literal}` stays literal). */
export function parseSub(template: string): SubPart[] {
  const parts: SubPart[] = [];
  const pattern = /\$\{([^}]*)\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    const body = match[1]!;
    if (body.startsWith('!')) parts.push({ literal: `\${${body.slice(1)}}` });
    else parts.push({ variable: body.trim() });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  return parts;
}

function subArgs(arg: unknown): [string, Record<string, unknown>] {
  if (typeof arg === 'string') return [arg, {}];
  if (
    Array.isArray(arg) &&
    arg.length === 2 &&
    typeof arg[0] === 'string' &&
    arg[1] &&
    typeof arg[1] === 'object' &&
    !Array.isArray(arg[1])
  ) {
    return [arg[0], arg[1] as Record<string, unknown>];
  }
  return fail('One or more Fn::Sub intrinsic functions don’t specify expected arguments');
}

/** Evaluates a condition expression (`Fn::Equals`/`And`/`Or`/`Not`, `{ Condition: name }`) to a boolean. */
export function evaluateCondition(expression: unknown, ctx: IntrinsicContext): boolean {
  const name = intrinsicName(expression);
  const arg = name ? (expression as Record<string, unknown>)[name] : undefined;
  switch (name) {
    case 'Condition':
      return ctx.condition(asString(arg, 'Condition'));
    case 'Fn::Equals': {
      const args = asList(arg, 'Fn::Equals');
      if (args.length !== 2) fail('Fn::Equals requires a list of two values');
      const [a, b] = args.map((v) => evaluate(v, ctx));
      return JSON.stringify(normaliseScalar(a)) === JSON.stringify(normaliseScalar(b));
    }
    case 'Fn::And':
    case 'Fn::Or': {
      const args = asList(arg, name);
      if (args.length < 2 || args.length > 10) fail(`${name} requires between 2 and 10 conditions`);
      const values = args.map((v) => evaluateCondition(v, ctx));
      return name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
    }
    case 'Fn::Not': {
      const args = asList(arg, 'Fn::Not');
      if (args.length !== 1) fail('Fn::Not requires a list of one condition');
      return !evaluateCondition(args[0], ctx);
    }
    default: {
      const value = evaluate(expression, ctx);
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return fail('Conditions can only be boolean operations on parameters and other conditions');
    }
  }
}

// CloudFormation compares values as strings: `!Equals [!Ref Count, 2]` holds when Count is "2".
function normaliseScalar(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(normaliseScalar);
  return value;
}

function substitute(arg: unknown, ctx: IntrinsicContext): string {
  const [template, rawVars] = subArgs(arg);
  const vars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawVars)) vars[key] = evaluate(value, ctx);
  return parseSub(template)
    .map((part) => {
      if (part.literal !== undefined) return part.literal;
      const variable = part.variable!;
      let value: unknown;
      if (Object.hasOwn(vars, variable)) value = vars[variable];
      else if (variable.includes('.') && !variable.startsWith('AWS::')) {
        const dot = variable.indexOf('.');
        value = ctx.getAtt(variable.slice(0, dot), variable.slice(dot + 1));
      } else value = ctx.ref(variable);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        fail(`variable ${variable} in Fn::Sub expression does not resolve to a string`);
      }
      return String(value);
    })
    .join('');
}

function findInMap(arg: unknown, ctx: IntrinsicContext): unknown {
  const args = asList(arg, 'Fn::FindInMap');
  if (args.length !== 3 && args.length !== 4) fail('Fn::FindInMap requires three arguments');
  const [map, top, second] = args
    .slice(0, 3)
    .map((v, i) => asString(evaluate(v, ctx), `Fn::FindInMap argument ${i + 1}`));
  const value = ctx.mappings[map!]?.[top!]?.[second!];
  if (value !== undefined) return value;
  const fallback = args[3] as { DefaultValue?: unknown } | undefined;
  if (fallback && typeof fallback === 'object' && 'DefaultValue' in fallback)
    return evaluate(fallback.DefaultValue, ctx);
  return fail(`Unable to get mapping for ${map}::${top}::${second}`);
}

function applyIntrinsic(name: string, arg: unknown, ctx: IntrinsicContext): unknown {
  switch (name) {
    case 'Ref': {
      const target = asString(arg, 'Ref');
      return target === 'AWS::NoValue' ? NO_VALUE : ctx.ref(target);
    }
    case 'Fn::GetAtt': {
      const [resource, attribute] = getAttParts(arg);
      return ctx.getAtt(resource, asString(evaluate(attribute, ctx), 'Fn::GetAtt attribute'));
    }
    case 'Fn::Sub':
      return substitute(arg, ctx);
    case 'Fn::Join': {
      const args = asList(arg, 'Fn::Join');
      if (args.length !== 2 || typeof args[0] !== 'string') {
        fail(
          'every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.',
        );
      }
      const list = asList(evaluate(args[1], ctx), 'Fn::Join list');
      return list.map((item) => asString(item, 'Fn::Join element')).join(args[0] as string);
    }
    case 'Fn::Select': {
      const args = asList(arg, 'Fn::Select');
      if (args.length !== 2) fail('Fn::Select requires a list of two elements: an index and a list');
      const index = asInteger(evaluate(args[0], ctx), 'Fn::Select index');
      const list = asList(evaluate(args[1], ctx), 'Fn::Select list');
      if (index < 0 || index >= list.length)
        fail(`Fn::Select cannot select nonexistent value at index ${index}`);
      return list[index];
    }
    case 'Fn::Split': {
      const args = asList(arg, 'Fn::Split');
      if (args.length !== 2 || typeof args[0] !== 'string')
        fail('Fn::Split requires a delimiter and a string');
      return asString(evaluate(args[1], ctx), 'Fn::Split source').split(args[0] as string);
    }
    case 'Fn::GetAZs': {
      const region = asString(evaluate(arg, ctx) ?? '', 'Fn::GetAZs region');
      return ctx.getAZs(region === '' ? ctx.region : region);
    }
    case 'Fn::Cidr': {
      const args = asList(arg, 'Fn::Cidr').map((v) => evaluate(v, ctx));
      if (args.length !== 3) fail('Fn::Cidr requires an ipBlock, a count and cidrBits');
      return cidr(
        asString(args[0], 'Fn::Cidr ipBlock'),
        asInteger(args[1], 'Fn::Cidr count'),
        asInteger(args[2], 'Fn::Cidr cidrBits'),
      );
    }
    case 'Fn::If': {
      const args = asList(arg, 'Fn::If');
      if (args.length !== 3 || typeof args[0] !== 'string')
        fail('Fn::If requires a condition name and two values');
      return evaluate(ctx.condition(args[0] as string) ? args[1] : args[2], ctx);
    }
    case 'Fn::FindInMap':
      return findInMap(arg, ctx);
    case 'Fn::ImportValue':
      return ctx.importValue(asString(evaluate(arg, ctx), 'Fn::ImportValue'));
    case 'Fn::Base64':
      return Buffer.from(asString(evaluate(arg, ctx), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::Length':
      return asList(evaluate(arg, ctx), 'Fn::Length').length;
    case 'Fn::ToJsonString':
      return JSON.stringify(evaluate(arg, ctx));
    case 'Fn::Equals':
    case 'Fn::And':
    case 'Fn::Or':
    case 'Fn::Not':
    case 'Condition':
      return evaluateCondition({ [name]: arg }, ctx) ? 'true' : 'false';
    default:
      return fail(`${name} is not supported by the local cloud`);
  }
}

/**
 * Evaluates every intrinsic in a template fragment. `AWS::NoValue` (directly or through `Fn::If`)
 * removes the enclosing property or list element, as CloudFormation does.
 */
export function evaluate(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value))
    return value.map((item) => evaluate(item, ctx)).filter((item) => item !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const name = intrinsicName(value);
  if (name) return applyIntrinsic(name, (value as Record<string, unknown>)[name], ctx);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const evaluated = evaluate(item, ctx);
    if (evaluated !== NO_VALUE) out[key] = evaluated;
  }
  return out;
}

/** A reference from one template fragment to a resource (or parameter) by name. */
export interface Reference {
  kind: 'Ref' | 'GetAtt';
  target: string;
  attribute?: string;
}

/**
 * Every Ref/GetAtt/Sub reference in a fragment, skipping the branch of each `Fn::If` that the
 * conditions do not take (CloudFormation ignores references there).
 */
export function collectReferences(
  value: unknown,
  condition: (name: string) => boolean | undefined,
): Reference[] {
  const found: Reference[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const name = intrinsicName(node);
    const arg = name ? (node as Record<string, unknown>)[name] : undefined;
    if (name === 'Ref' && typeof arg === 'string') {
      found.push({ kind: 'Ref', target: arg });
      return;
    }
    if (name === 'Fn::GetAtt') {
      const [target, attribute] = getAttParts(arg);
      found.push({
        kind: 'GetAtt',
        target,
        attribute: typeof attribute === 'string' ? attribute : undefined,
      });
      walk(attribute);
      return;
    }
    if (name === 'Fn::Sub') {
      const [template, vars] = subArgs(arg);
      for (const part of parseSub(template)) {
        const variable = part.variable;
        if (variable === undefined || Object.hasOwn(vars, variable)) continue;
        if (variable.includes('.') && !variable.startsWith('AWS::')) {
          const dot = variable.indexOf('.');
          found.push({ kind: 'GetAtt', target: variable.slice(0, dot), attribute: variable.slice(dot + 1) });
        } else found.push({ kind: 'Ref', target: variable });
      }
      walk(Object.values(vars));
      return;
    }
    if (name === 'Fn::If' && Array.isArray(arg) && typeof arg[0] === 'string') {
      // Undefined: conditions not known yet (ValidateTemplate), so both branches count.
      const taken = condition(arg[0]);
      if (taken !== false) walk(arg[1]);
      if (taken !== true) walk(arg[2]);
      return;
    }
    for (const item of Object.values(node)) walk(item);
  };
  walk(value);
  return found;
}
