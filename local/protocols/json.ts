import type { NormalizedSchema } from '@smithy/core/schema';
import type { SdkModule } from './schemas.ts';

/**
 * awsJson 1.0/1.1 and restJson: JSON bodies whose timestamps are epoch seconds and blobs base64.
 * Outputs are plain objects whose `Date`s and `Buffer`s are converted here.
 */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

/** Body of an awsJson / restJson error. */
export function jsonErrorBody(code: string, message: string, fields: Record<string, string> = {}): string {
  return JSON.stringify({ __type: code, message, ...fields });
}

export interface RestRoute {
  operation: string;
  method: string;
  /** Path segments; `{Name}` / `{Name+}` are labels. */
  segments: string[];
  query: Record<string, string>;
  successCode: number;
}

/** Every operation of an SDK module with its HTTP binding (restJson / restXml services). */
export function restRoutes(sdk: SdkModule): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const [key, op] of Object.entries(sdk)) {
    if (!key.endsWith('$') || !Array.isArray(op) || op[0] !== 9) continue;
    const http = (op[3] as { http?: [string, string, number] } | undefined)?.http;
    if (!http) continue;
    const [method, uri, code] = http;
    const [path = '', qs = ''] = uri.split('?');
    routes.push({
      operation: String(op[2]),
      method,
      segments: path.split('/').filter(Boolean),
      query: Object.fromEntries(new URLSearchParams(qs)),
      successCode: code,
    });
  }
  // Literal segments beat labels: try the most specific routes first.
  return routes.sort((a, b) => literalCount(b) - literalCount(a));
}

function literalCount(r: RestRoute): number {
  return r.segments.filter((s) => !s.startsWith('{')).length * 10 + Object.keys(r.query).length;
}

/** Finds the route for a request; returns the route and its label values. */
export function matchRoute(
  routes: RestRoute[],
  method: string,
  path: string,
  query: URLSearchParams,
): { route: RestRoute; labels: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  outer: for (const route of routes) {
    if (route.method !== method) continue;
    const labels: Record<string, string> = {};
    for (let i = 0; i < route.segments.length; i++) {
      const seg = route.segments[i]!;
      const part = parts[i];
      if (seg.startsWith('{')) {
        if (part === undefined) continue outer;
        const name = seg.slice(1, -1);
        if (name.endsWith('+')) {
          labels[name.slice(0, -1)] = parts.slice(i).map(decodeURIComponent).join('/');
          break;
        }
        labels[name] = decodeURIComponent(part);
      } else if (seg !== part) {
        continue outer;
      }
    }
    const greedy = route.segments.some((s) => s.endsWith('+}'));
    if (!greedy && parts.length !== route.segments.length) continue;
    for (const [k, v] of Object.entries(route.query))
      if (v ? query.get(k) !== v : !query.has(k)) continue outer;
    return { route, labels };
  }
  return undefined;
}

/** Reads a restJson input from labels, query, headers and the JSON (or raw payload) body. */
export function readRestJsonInput(
  schema: NormalizedSchema,
  labels: Record<string, string>,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  let json: Record<string, unknown> | undefined;
  const parseBody = (): Record<string, unknown> => {
    json ??= body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    return json;
  };
  for (const [name, member] of schema.structIterator()) {
    const t = member.getMergedTraits() as Record<string, unknown>;
    let raw: unknown;
    if (t.httpLabel) raw = labels[name];
    else if (typeof t.httpQuery === 'string')
      raw = member.isListSchema() ? query.getAll(t.httpQuery) : query.get(t.httpQuery);
    else if (typeof t.httpHeader === 'string') raw = headers[t.httpHeader.toLowerCase()];
    else if (t.httpPayload) raw = member.isBlobSchema() || member.isStringSchema() ? body : parseBody();
    else raw = parseBody()[name];
    if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0 && t.httpQuery))
      continue;
    if (t.httpPayload && member.isStringSchema()) raw = (raw as Buffer).toString('utf8');
    else if (member.isTimestampSchema())
      raw = typeof raw === 'number' ? new Date(raw * 1000) : new Date(String(raw));
    else if (member.isNumericSchema() && typeof raw === 'string') raw = Number(raw);
    else if (member.isBooleanSchema() && typeof raw === 'string') raw = raw === 'true';
    input[name] = raw;
  }
  return input;
}

/** Splits a restJson output into status code, headers and body following the output schema. */
export function writeRestJsonOutput(
  schema: NormalizedSchema,
  output: Record<string, unknown> | undefined,
  successCode: number,
): { statusCode: number; headers: Record<string, string>; body: Buffer | string } {
  const headers: Record<string, string> = {};
  let statusCode = successCode;
  const body: Record<string, unknown> = {};
  let payload: Buffer | string | undefined;
  for (const [name, member] of schema.structIterator()) {
    const v = output?.[name];
    if (v === undefined || v === null) continue;
    const t = member.getMergedTraits() as Record<string, unknown>;
    if (t.httpResponseCode) statusCode = Number(v);
    else if (typeof t.httpHeader === 'string') headers[t.httpHeader] = String(v);
    else if (t.httpPayload) {
      payload = member.isBlobSchema()
        ? Buffer.from(v as Uint8Array)
        : typeof v === 'string'
          ? v
          : JSON.stringify(toJsonValue(v));
    } else body[name] = toJsonValue(v);
  }
  if (payload !== undefined) return { statusCode, headers, body: payload };
  headers['Content-Type'] = 'application/json';
  return { statusCode, headers, body: JSON.stringify(body) };
}
