import { XMLParser } from 'fast-xml-parser';
import { AwsError } from '../errors.ts';
import type { HttpRequest, HttpResponse, ServiceDefinition } from '../kernel.ts';
import { writeXmlBody, xmlEscape } from '../protocols/query.ts';
import { loadSdk, operationSchemas } from '../protocols/schemas.ts';
import { bareId, type Change, type HostedZone, type Route53Model } from './route53.ts';

/**
 * Route 53's REST-XML wire (API version 2013-04-01): routes from the API reference, responses
 * rendered from the SDK's own output schemas, errors in `<ErrorResponse>` as Route 53 sends them.
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_Operations_Amazon_Route_53.html (read 2026-12-07)
 */
const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['Change', 'ResourceRecord'].includes(name),
});

function zoneOut(z: HostedZone) {
  return {
    Id: `/hostedzone/${z.Id}`,
    Name: z.Name,
    CallerReference: z.CallerReference,
    Config: z.Config,
    ResourceRecordSetCount: z.records.length,
  };
}

const changeOut = (c: { Id: string; Status: string; SubmittedAt: Date; Comment?: string }) => ({
  ...c,
  Id: `/change/${c.Id}`,
});

interface Route {
  method: string;
  path: RegExp;
  operation: string;
  status?: number;
  run: (m: RegExpExecArray, req: HttpRequest, body: Record<string, unknown>) => unknown;
}

function routes(model: Route53Model): Route[] {
  const q = (req: HttpRequest, k: string) => req.query.get(k) ?? undefined;
  return [
    {
      method: 'POST',
      path: /^\/2013-04-01\/hostedzone\/?$/,
      operation: 'CreateHostedZone',
      status: 201,
      run: (_m, _req, body) => {
        const input = (body.CreateHostedZoneRequest ?? {}) as Record<string, unknown>;
        const config = input.HostedZoneConfig as { Comment?: string; PrivateZone?: string } | undefined;
        const { zone, change } = model.createHostedZone({
          Name: String(input.Name ?? ''),
          CallerReference: String(input.CallerReference ?? ''),
          ...(config
            ? {
                HostedZoneConfig: {
                  Comment: config.Comment,
                  PrivateZone: String(config.PrivateZone) === 'true',
                },
              }
            : {}),
        });
        return {
          HostedZone: zoneOut(zone),
          ChangeInfo: changeOut(change),
          DelegationSet: { NameServers: zone.nameServers },
          Location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${zone.Id}`,
        };
      },
    },
    {
      method: 'GET',
      path: /^\/2013-04-01\/hostedzonesbyname\/?$/,
      operation: 'ListHostedZonesByName',
      run: (_m, req) => {
        const out = model.listHostedZonesByName({
          DNSName: q(req, 'dnsname'),
          HostedZoneId: q(req, 'hostedzoneid'),
          MaxItems: q(req, 'maxitems'),
        });
        return { ...out, HostedZones: out.HostedZones.map(zoneOut), MaxItems: out.MaxItems };
      },
    },
    {
      method: 'GET',
      path: /^\/2013-04-01\/hostedzone\/?$/,
      operation: 'ListHostedZones',
      run: () => ({
        HostedZones: [...model.zones.values()].map(zoneOut),
        Marker: '',
        IsTruncated: false,
        MaxItems: 100,
      }),
    },
    {
      method: 'GET',
      path: /^\/2013-04-01\/hostedzone\/([^/]+)\/?$/,
      operation: 'GetHostedZone',
      run: (m) => {
        const zone = model.zone(decodeURIComponent(m[1]!));
        return { HostedZone: zoneOut(zone), DelegationSet: { NameServers: zone.nameServers } };
      },
    },
    {
      method: 'DELETE',
      path: /^\/2013-04-01\/hostedzone\/([^/]+)\/?$/,
      operation: 'DeleteHostedZone',
      run: (m) => ({ ChangeInfo: changeOut(model.deleteHostedZone(decodeURIComponent(m[1]!))) }),
    },
    {
      method: 'POST',
      path: /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/,
      operation: 'ChangeResourceRecordSets',
      run: (m, _req, body) => {
        const input = (body.ChangeResourceRecordSetsRequest ?? {}) as Record<string, unknown>;
        const batch = (input.ChangeBatch ?? {}) as { Comment?: string; Changes?: { Change?: unknown[] } };
        const changes = (batch.Changes?.Change ?? []).map(readChange);
        return {
          ChangeInfo: changeOut(
            model.changeResourceRecordSets(decodeURIComponent(m[1]!), {
              Changes: changes,
              ...(batch.Comment ? { Comment: String(batch.Comment) } : {}),
            }),
          ),
        };
      },
    },
    {
      method: 'GET',
      path: /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/,
      operation: 'ListResourceRecordSets',
      run: (m, req) => {
        const all = model.records(decodeURIComponent(m[1]!));
        const max = Math.min(300, Number(q(req, 'maxitems') ?? 300) || 300);
        const name = q(req, 'name');
        const type = q(req, 'type');
        const start = name
          ? all.findIndex(
              (r) => r.Name >= (name.endsWith('.') ? name : `${name}.`) && (!type || r.Type >= type),
            )
          : 0;
        const from = start < 0 ? [] : all.slice(start);
        const next = from[max];
        return {
          ResourceRecordSets: from.slice(0, max),
          IsTruncated: next !== undefined,
          MaxItems: max,
          ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type } : {}),
        };
      },
    },
    {
      method: 'GET',
      path: /^\/2013-04-01\/change\/([^/]+)\/?$/,
      operation: 'GetChange',
      run: (m) => ({ ChangeInfo: changeOut(model.getChange(decodeURIComponent(m[1]!))) }),
    },
  ];
}

function readChange(raw: unknown): Change {
  const c = raw as { Action?: string; ResourceRecordSet?: Record<string, unknown> };
  const set = c.ResourceRecordSet ?? {};
  const alias = set.AliasTarget as
    | { HostedZoneId?: string; DNSName?: string; EvaluateTargetHealth?: string }
    | undefined;
  const values = (set.ResourceRecords as { ResourceRecord?: { Value?: string }[] } | undefined)
    ?.ResourceRecord;
  return {
    Action: String(c.Action ?? ''),
    ResourceRecordSet: {
      Name: String(set.Name ?? ''),
      Type: String(set.Type ?? ''),
      ...(set.SetIdentifier !== undefined ? { SetIdentifier: String(set.SetIdentifier) } : {}),
      ...(set.TTL !== undefined ? { TTL: Number(set.TTL) } : {}),
      ...(values ? { ResourceRecords: values.map((v) => ({ Value: String(v.Value ?? '') })) } : {}),
      ...(alias
        ? {
            AliasTarget: {
              HostedZoneId: String(alias.HostedZoneId ?? ''),
              DNSName: String(alias.DNSName ?? ''),
              EvaluateTargetHealth: String(alias.EvaluateTargetHealth) === 'true',
            },
          }
        : {}),
    },
  };
}

function errorResponse(e: AwsError, requestId: string): HttpResponse {
  return {
    statusCode: e.statusCode,
    headers: { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId },
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** The wire definition registered with the kernel under `route53`. */
export function route53Service(model: Route53Model): ServiceDefinition {
  const table = routes(model);
  const operations = Object.fromEntries(table.map((r) => [r.operation, () => undefined]));
  return {
    protocol: 'restXml',
    operations,
    http: async (req, ctx) => {
      const route = table.find((r) => r.method === req.method && r.path.test(req.path));
      try {
        if (!route)
          throw new AwsError('InvalidAction', `No Route 53 operation for ${req.method} ${req.path}`);
        ctx.operation = route.operation;
        const m = route.path.exec(req.path)!;
        let body: Record<string, unknown> = {};
        if (req.body.length) {
          try {
            body = parser.parse(req.body.toString('utf8')) as Record<string, unknown>;
          } catch {
            throw new AwsError('InvalidInput', 'Invalid XML ; cannot parse the request body.');
          }
        }
        const output = route.run(m, req, body);
        const sdk = await loadSdk('@aws-sdk/client-route-53');
        const schema = operationSchemas(sdk, route.operation)!;
        const xml = `<?xml version="1.0"?>\n<${route.operation}Response xmlns="${NS}">${writeXmlBody(schema.output, output)}</${route.operation}Response>`;
        return {
          statusCode: route.status ?? 200,
          headers: { 'Content-Type': 'text/xml', 'x-amzn-RequestId': ctx.requestId },
          body: xml,
        };
      } catch (error) {
        if (error instanceof AwsError) return errorResponse(error, ctx.requestId);
        throw error;
      }
    },
    checks: (req) => {
      const route = table.find((r) => r.method === req.method && r.path.test(req.path));
      if (!route) return [];
      const id = route.path.exec(req.path)?.[1];
      const resource =
        id === undefined || route.operation === 'ListHostedZonesByName'
          ? '*'
          : `arn:aws:route53:::${route.operation === 'GetChange' ? 'change' : 'hostedzone'}/${bareId(decodeURIComponent(id))}`;
      return [{ action: `route53:${route.operation}`, resource, context: {} }];
    },
  };
}
