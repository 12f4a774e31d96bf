import type { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../errors.ts';

/**
 * awsQuery and ec2Query: form-encoded requests in, XML out — the mirror image of SDK v3's
 * QueryShapeSerializer and XmlShapeDeserializer (@aws-sdk/core/protocols).
 */
export type QueryFlavour = 'awsQuery' | 'ec2Query';

/**
 * Characters XML 1.0 cannot carry, not even as character references: C0 controls other than tab,
 * line feed and carriage return, U+FFFE, U+FFFF and unpaired surrogates.
 */
const XML_ILLEGAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the characters XML 1.0 forbids is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_ILLEGAL_ALL = new RegExp(XML_ILLEGAL.source, 'g');

/** The first character of `text` that XML 1.0 cannot carry, as `U+001F`; undefined when there is none. */
export function xmlIllegalCharacter(text: string): string | undefined {
  const match = XML_ILLEGAL.exec(text);
  if (!match) return undefined;
  return `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Refuses a request whose parameters hold characters an XML answer could not carry back, as AWS's
 * query APIs validate input (awsQuery `ValidationError`, ec2Query `InvalidParameterValue`).
 */
export function checkQueryCharacters(params: URLSearchParams, flavour: QueryFlavour): void {
  for (const [key, value] of params) {
    const bad = xmlIllegalCharacter(key) ?? xmlIllegalCharacter(value);
    if (bad === undefined) continue;
    throw new AwsError(
      flavour === 'ec2Query' ? 'InvalidParameterValue' : 'ValidationError',
      `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must not contain the character ${bad}, which XML 1.0 does not allow`,
    );
  }
}

/** Parses `a=1&b.member.1=x` into the operation's input object, following the input schema. */
export function readQueryInput(
  schema: NormalizedSchema,
  params: URLSearchParams,
  flavour: QueryFlavour,
): Record<string, unknown> {
  checkQueryCharacters(params, flavour);
  const flat = new Map<string, string>();
  for (const [k, v] of params) flat.set(k, v);
  const value = readMember(schema, flat, '', flavour);
  return (value as Record<string, unknown> | undefined) ?? {};
}

function keyFor(
  memberName: string,
  traits: Record<string, unknown>,
  flavour: QueryFlavour,
  source: 'struct' | 'other',
): string {
  if (flavour === 'ec2Query' && typeof traits.ec2QueryName === 'string') return traits.ec2QueryName;
  const key = (traits.xmlName as string | undefined) ?? memberName;
  if (flavour === 'ec2Query' && source === 'struct') return key[0]!.toUpperCase() + key.slice(1);
  return key;
}

function hasPrefix(flat: Map<string, string>, prefix: string): boolean {
  for (const k of flat.keys()) if (k === prefix || k.startsWith(`${prefix}.`)) return true;
  return false;
}

function readMember(
  ns: NormalizedSchema,
  flat: Map<string, string>,
  prefix: string,
  flavour: QueryFlavour,
): unknown {
  const dot = prefix ? `${prefix}.` : '';
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const key = dot + keyFor(name, member.getMergedTraits() as Record<string, unknown>, flavour, 'struct');
      if (!hasPrefix(flat, key)) continue;
      const v = readMember(member, flat, key, flavour);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (flat.get(prefix) === '') return [];
    const member = ns.getValueSchema();
    const traits = member.getMergedTraits() as Record<string, unknown>;
    const listFlat = flavour === 'ec2Query' || Boolean(ns.getMergedTraits().xmlFlattened);
    const base = listFlat ? prefix : `${prefix}.${keyFor('member', traits, flavour, 'other')}`;
    const out: unknown[] = [];
    for (let i = 1; hasPrefix(flat, `${base}.${i}`); i++)
      out.push(readMember(member, flat, `${base}.${i}`, flavour));
    return out;
  }
  if (ns.isMapSchema()) {
    const mapFlat = Boolean(ns.getMergedTraits().xmlFlattened);
    const keyTraits = ns.getKeySchema().getMergedTraits() as Record<string, unknown>;
    const valTraits = ns.getValueSchema().getMergedTraits() as Record<string, unknown>;
    const keyName = keyFor('key', keyTraits, flavour, 'other');
    const valueName = keyFor('value', valTraits, flavour, 'other');
    const out: Record<string, unknown> = {};
    for (let i = 1; ; i++) {
      const entry = mapFlat ? `${prefix}.${i}` : `${prefix}.entry.${i}`;
      const k = flat.get(`${entry}.${keyName}`);
      if (k === undefined) break;
      out[k] = readMember(ns.getValueSchema(), flat, `${entry}.${valueName}`, flavour);
    }
    return out;
  }
  const raw = flat.get(prefix);
  if (raw === undefined) return undefined;
  if (ns.isBooleanSchema()) return raw === 'true';
  if (ns.isNumericSchema()) return Number(raw);
  if (ns.isTimestampSchema()) {
    const n = Number(raw);
    return Number.isFinite(n) ? new Date(n * 1000) : new Date(raw);
  }
  if (ns.isBlobSchema()) return Buffer.from(raw, 'base64');
  return raw;
}

/**
 * Escapes text for an XML element body or attribute. Characters XML 1.0 cannot carry (input
 * refuses them; this is the last guard for values made inside the local cloud) become U+FFFD.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(XML_ILLEGAL_ALL, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Renders `value` as the XML body of an element of schema `ns` (without the element itself). */
export function writeXmlBody(ns: NormalizedSchema, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (ns.isStructSchema()) {
    if (typeof value !== 'object') return '';
    const v = value as Record<string, unknown>;
    let out = '';
    for (const [name, member] of ns.structIterator()) {
      if (v[name] === undefined || v[name] === null) continue;
      const tag = (member.getMemberTraits().xmlName as string | undefined) ?? name;
      out += writeXmlElement(member, tag, v[name]);
    }
    return out;
  }
  if (ns.isListSchema()) {
    const member = ns.getValueSchema();
    const tag = (member.getMergedTraits().xmlName as string | undefined) ?? 'member';
    return (value as unknown[]).map((item) => writeXmlElement(member, tag, item)).join('');
  }
  if (ns.isMapSchema()) {
    const k = (ns.getKeySchema().getMergedTraits().xmlName as string | undefined) ?? 'key';
    const vn = (ns.getValueSchema().getMergedTraits().xmlName as string | undefined) ?? 'value';
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([key, item]) =>
          `<entry><${k}>${xmlEscape(key)}</${k}>${writeXmlElement(ns.getValueSchema(), vn, item)}</entry>`,
      )
      .join('');
  }
  return xmlEscape(scalarText(ns, value));
}

function writeXmlElement(ns: NormalizedSchema, tag: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (ns.isListSchema() && ns.getMergedTraits().xmlFlattened) {
    const member = ns.getValueSchema();
    return (value as unknown[]).map((item) => writeXmlElement(member, tag, item)).join('');
  }
  if (ns.isMapSchema() && ns.getMergedTraits().xmlFlattened) {
    const k = (ns.getKeySchema().getMergedTraits().xmlName as string | undefined) ?? 'key';
    const vn = (ns.getValueSchema().getMergedTraits().xmlName as string | undefined) ?? 'value';
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([key, item]) =>
          `<${tag}><${k}>${xmlEscape(key)}</${k}>${writeXmlElement(ns.getValueSchema(), vn, item)}</${tag}>`,
      )
      .join('');
  }
  return `<${tag}>${writeXmlBody(ns, value)}</${tag}>`;
}

/** Text form of a scalar in XML (and query) protocols. */
export function scalarText(ns: NormalizedSchema, value: unknown): string {
  if (ns.isTimestampSchema()) return toDate(value).toISOString();
  if (ns.isBlobSchema()) {
    return Buffer.isBuffer(value) || value instanceof Uint8Array
      ? Buffer.from(value).toString('base64')
      : Buffer.from(String(value)).toString('base64');
  }
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return new Date(String(value));
}

/** The awsQuery success envelope. */
export function awsQueryResponse(
  operation: string,
  output: NormalizedSchema,
  value: unknown,
  xmlNamespace: string,
  requestId: string,
): string {
  // An output structure, even an empty one (AddTagsOutput, ExecuteChangeSetOutput), has its
  // `<OperationResult>` wrapper: the AWS CLI (botocore) reads it and fails with a KeyError without.
  const result = output.isStructSchema();
  const body = result ? `<${operation}Result>${writeXmlBody(output, value ?? {})}</${operation}Result>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlNamespace}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

/** The ec2Query success envelope (no Result wrapper, lower-case requestId). */
export function ec2QueryResponse(
  operation: string,
  output: NormalizedSchema,
  value: unknown,
  xmlNamespace: string,
  requestId: string,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlNamespace}"><requestId>${requestId}</requestId>${writeXmlBody(output, value ?? {})}</${operation}Response>`;
}

/** The awsQuery error envelope. */
export function awsQueryError(
  code: string,
  message: string,
  senderFault: boolean,
  requestId: string,
  xmlNamespace: string,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${senderFault ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** The ec2Query error envelope. */
export function ec2QueryError(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
