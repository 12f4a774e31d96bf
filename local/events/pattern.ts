/**
 * The EventBridge event-pattern language: exact values, prefix, suffix, anything-but (values,
 * prefix, suffix, equals-ignore-case), numeric ranges, exists, equals-ignore-case, wildcard,
 * cidr and `$or`. A pattern matches when every field it names matches (AND), and a field
 * matches when any of its listed conditions matches (OR); an array in the event matches when
 * any element does.
 */
export type EventPattern = { [key: string]: unknown };

export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
}

/** Parses and validates a pattern given as JSON text (as PutRule receives it). */
export function parseEventPattern(text: string): EventPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw new InvalidEventPatternError('Event pattern is not valid. Reason: Filter is not valid JSON');
  }
  validateEventPattern(pattern);
  return pattern as EventPattern;
}

/** Throws InvalidEventPatternError when a pattern is not one EventBridge would accept. */
export function validateEventPattern(pattern: unknown, path = ''): void {
  if (!isObject(pattern)) throw invalid(`${path || 'pattern'} must be an object`);
  for (const [key, value] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw invalid('$or must be an array of at least two patterns');
      for (const sub of value) validateEventPattern(sub, here);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw invalid(`Empty arrays are not allowed (${here})`);
      for (const m of value) validateMatcher(m, here);
    } else if (isObject(value)) {
      validateEventPattern(value, here);
    } else {
      throw invalid(`"${here}" must be an object or an array`);
    }
  }
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);

function validateMatcher(m: unknown, path: string): void {
  if (!isObject(m)) return;
  const keys = Object.keys(m);
  if (keys.length !== 1 || !OPERATORS.has(keys[0]!))
    throw invalid(`Unrecognized match type ${keys.join(',')} at ${path}`);
  const op = keys[0]!;
  const arg = m[op];
  if (op === 'numeric') {
    if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0)
      throw invalid(`Bad numeric range at ${path}`);
    for (let i = 0; i < arg.length; i += 2) {
      if (!['<', '<=', '=', '>', '>='].includes(String(arg[i])) || typeof arg[i + 1] !== 'number') {
        throw invalid(`Bad numeric range at ${path}`);
      }
    }
  }
  if (op === 'exists' && typeof arg !== 'boolean')
    throw invalid(`exists match pattern must be either true or false.`);
}

function invalid(reason: string): InvalidEventPatternError {
  return new InvalidEventPatternError(`Event pattern is not valid. Reason: ${reason}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `event` (an EventBridge envelope) matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(spec as EventPattern[]).some((sub) => matchesPattern(sub, event))) return false;
      continue;
    }
    const value = event[key];
    if (Array.isArray(spec)) {
      if (!matchesLeaf(spec, value)) return false;
    } else if (isObject(spec)) {
      const candidates = Array.isArray(value) ? value : [value];
      if (!candidates.some((c) => matchesNested(spec, c))) return false;
    }
  }
  return true;
}

function matchesNested(spec: EventPattern, value: unknown): boolean {
  if (value === undefined) {
    // A nested pattern on a missing object only matches if every leaf asks for absence.
    return allAbsent(spec);
  }
  return matchesPattern(spec, value);
}

function allAbsent(spec: EventPattern): boolean {
  return Object.entries(spec).every(([key, s]) => {
    if (key === '$or') return (s as EventPattern[]).some(allAbsent);
    if (Array.isArray(s)) return s.some((m) => isObject(m) && m.exists === false);
    return isObject(s) && allAbsent(s);
  });
}

function matchesLeaf(matchers: unknown[], value: unknown): boolean {
  if (value === undefined) return matchers.some((m) => isObject(m) && m.exists === false);
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === true;
    return values.some((v) => matchesOne(m, v));
  });
}

function matchesOne(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) {
    if (typeof matcher === 'number' && typeof value === 'number') return matcher === value;
    return matcher === value;
  }
  const [op, arg] = Object.entries(matcher)[0]!;
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && stringOp(arg, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && stringOp(arg, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return (
        typeof value === 'string' && typeof arg === 'string' && value.toLowerCase() === arg.toLowerCase()
      );
    case 'wildcard':
      return typeof value === 'string' && typeof arg === 'string' && wildcardRegExp(arg).test(value);
    case 'numeric':
      return typeof value === 'number' && numericMatch(arg as unknown[], value);
    case 'cidr':
      return typeof value === 'string' && typeof arg === 'string' && inCidr(value, arg);
    case 'anything-but':
      return anythingBut(arg, value);
    default:
      return false;
  }
}

function stringOp(arg: unknown, value: string, test: (v: string, a: string) => boolean): boolean {
  if (typeof arg === 'string') return test(value, arg);
  if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), arg['equals-ignore-case'].toLowerCase());
  }
  return false;
}

function anythingBut(arg: unknown, value: unknown): boolean {
  if (Array.isArray(arg)) return !arg.some((a) => a === value);
  if (isObject(arg)) return !matchesOne(arg, value);
  return arg !== value;
}

function numericMatch(ops: unknown[], value: number): boolean {
  for (let i = 0; i < ops.length; i += 2) {
    const bound = ops[i + 1] as number;
    const ok =
      ops[i] === '<'
        ? value < bound
        : ops[i] === '<='
          ? value <= bound
          : ops[i] === '='
            ? value === bound
            : ops[i] === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
