import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { LocalCloud } from '../kernel.ts';

/**
 * Route 53 public hosted zones and their record sets, with the checks ChangeResourceRecordSets
 * applies (read 2026-12-07):
 * - https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
 *   (CREATE / DELETE / UPSERT; a batch is applied all or nothing; InvalidChangeBatch messages;
 *   changes PENDING, then INSYNC once on every name server, "generally within 60 seconds")
 * - https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html
 *   (zones ordered by name with labels reversed, from DNSName on; NextDNSName/NextHostedZoneId)
 * - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html
 *   (an alias record has no TTL and no values; no CNAME at the zone apex)
 * - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat
 *   (a CNAME cannot coexist with another record of the same name)
 * The wire (REST-XML) is in route53-api.ts.
 */

export interface ResourceRecordSet {
  Name: string;
  Type: string;
  TTL?: number;
  ResourceRecords?: { Value: string }[];
  AliasTarget?: { HostedZoneId: string; DNSName: string; EvaluateTargetHealth: boolean };
  SetIdentifier?: string;
}

export interface HostedZone {
  Id: string;
  Name: string;
  CallerReference: string;
  Config: { Comment?: string; PrivateZone: boolean };
  records: ResourceRecordSet[];
  nameServers: string[];
}

export interface Change {
  Action: string;
  ResourceRecordSet: ResourceRecordSet;
}

export interface ChangeInfo {
  Id: string;
  Status: 'PENDING' | 'INSYNC';
  SubmittedAt: Date;
  Comment?: string;
}

const RECORD_TYPES = new Set([
  'A',
  'AAAA',
  'CAA',
  'CNAME',
  'DS',
  'HTTPS',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SOA',
  'SPF',
  'SRV',
  'SSHFP',
  'SVCB',
  'TLSA',
  'TXT',
]);
/** Alias records may be of these types (alias targets answer A/AAAA/CNAME... for the name). */
const ALIAS_TYPES = new Set([
  'A',
  'AAAA',
  'CNAME',
  'MX',
  'NAPTR',
  'PTR',
  'SPF',
  'SRV',
  'TXT',
  'HTTPS',
  'SVCB',
  'CAA',
  'DS',
  'SSHFP',
  'TLSA',
]);

/** A DNS name as Route 53 stores it: lower case, with the trailing dot. */
export function fqdn(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
}

/** Route 53's ordering of names: labels compared from the right (com.example.www). */
export function reversedLabels(name: string): string {
  return fqdn(name).slice(0, -1).split('.').reverse().join('.');
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function newId(prefix: string, length: number): string {
  return `${prefix}${[...randomBytes(length)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('')}`;
}

/** Strips the `/hostedzone/` or `/change/` prefix ListHostedZones returns and SDKs send. */
export function bareId(id: string): string {
  return id.replace(/^\/?(hostedzone|change)\//, '');
}

function invalidBatch(messages: string[]): AwsError {
  return new AwsError('InvalidChangeBatch', messages.join(', '), { statusCode: 400 });
}

const describeSet = (r: ResourceRecordSet) =>
  `[name='${fqdn(r.Name)}', type='${r.Type}'${r.SetIdentifier ? `, set-identifier='${r.SetIdentifier}'` : ''}]`;

export class Route53Model {
  readonly zones = new Map<string, HostedZone>();
  readonly changes = new Map<string, ChangeInfo>();
  readonly #cloud: LocalCloud;
  readonly #listeners: (() => void)[] = [];

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** Called after every applied change (ACM watches for its validation records). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** CreateHostedZone: a public zone with its NS and SOA records. */
  createHostedZone(input: {
    Name: string;
    CallerReference: string;
    HostedZoneConfig?: { Comment?: string; PrivateZone?: boolean };
    /** Local seeding only (never from the wire): a rehearsal stands in for an account's zone by its id. */
    Id?: string;
  }): {
    zone: HostedZone;
    change: ChangeInfo;
  } {
    const name = fqdn(String(input.Name ?? ''));
    if (!/^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+$/.test(name) || name.length > 256)
      throw new AwsError('InvalidDomainName', `${input.Name} is not a valid domain name.`);
    if (!input.CallerReference)
      throw new AwsError('InvalidInput', 'Invalid request: Missing field CallerReference.');
    for (const z of this.zones.values())
      if (z.CallerReference === input.CallerReference)
        throw new AwsError(
          'HostedZoneAlreadyExists',
          `A hosted zone has already been created with the specified caller reference.`,
          { statusCode: 409 },
        );
    if (input.HostedZoneConfig?.PrivateZone)
      throw new AwsError(
        'InvalidInput',
        'Invalid request: private hosted zones are not modelled by the local cloud.',
      );
    const Id = input.Id ?? newId('Z', 20);
    if (this.zones.has(Id))
      throw new AwsError('HostedZoneAlreadyExists', `A hosted zone ${Id} already exists.`, {
        statusCode: 409,
      });
    const ns = [1, 2, 3, 4].map(
      (i) =>
        `ns-${(parseInt(Id.slice(1, 5), 36) + i * 512) % 2048}.awsdns-${String(i * 7).padStart(2, '0')}.${['com', 'net', 'org', 'co.uk'][i - 1]}`,
    );
    const zone: HostedZone = {
      Id,
      Name: name,
      CallerReference: input.CallerReference,
      Config: {
        ...(input.HostedZoneConfig?.Comment ? { Comment: input.HostedZoneConfig.Comment } : {}),
        PrivateZone: false,
      },
      nameServers: ns,
      records: [
        { Name: name, Type: 'NS', TTL: 172800, ResourceRecords: ns.map((v) => ({ Value: `${v}.` })) },
        {
          Name: name,
          Type: 'SOA',
          TTL: 900,
          ResourceRecords: [{ Value: `${ns[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
        },
      ],
    };
    this.zones.set(Id, zone);
    return { zone, change: this.#newChange() };
  }

  zone(id: string): HostedZone {
    const zone = this.zones.get(bareId(String(id ?? '')));
    if (!zone)
      throw new AwsError('NoSuchHostedZone', `No hosted zone found with ID: ${bareId(String(id ?? ''))}`, {
        statusCode: 404,
      });
    return zone;
  }

  /** DeleteHostedZone: refused while it holds records other than its own NS and SOA. */
  deleteHostedZone(id: string): ChangeInfo {
    const zone = this.zone(id);
    if (zone.records.some((r) => !(fqdn(r.Name) === zone.Name && (r.Type === 'NS' || r.Type === 'SOA'))))
      throw new AwsError(
        'HostedZoneNotEmpty',
        'The specified hosted zone contains non-required resource record sets and so cannot be deleted.',
        { statusCode: 400 },
      );
    this.zones.delete(zone.Id);
    return this.#newChange();
  }

  /** Zones in Route 53's order (reversed labels, then id), from `dnsName` (and `zoneId`) on. */
  listHostedZonesByName(input: { DNSName?: string; HostedZoneId?: string; MaxItems?: number | string }): {
    HostedZones: HostedZone[];
    IsTruncated: boolean;
    MaxItems: number;
    DNSName?: string;
    HostedZoneId?: string;
    NextDNSName?: string;
    NextHostedZoneId?: string;
  } {
    if (input.HostedZoneId && !input.DNSName)
      throw new AwsError('InvalidInput', 'Invalid request: HostedZoneId requires DNSName.');
    const max = Math.min(100, Number(input.MaxItems ?? 100) || 100);
    const sorted = [...this.zones.values()].sort((a, b) => {
      const ka = reversedLabels(a.Name);
      const kb = reversedLabels(b.Name);
      return ka < kb ? -1 : ka > kb ? 1 : a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;
    });
    const start = input.DNSName ? reversedLabels(input.DNSName) : undefined;
    const from = sorted.filter((z) => {
      if (start === undefined) return true;
      const k = reversedLabels(z.Name);
      if (k !== start) return k > start;
      return !input.HostedZoneId || z.Id >= bareId(input.HostedZoneId);
    });
    const page = from.slice(0, max);
    const next = from[max];
    return {
      HostedZones: page,
      IsTruncated: next !== undefined,
      MaxItems: max,
      ...(input.DNSName ? { DNSName: input.DNSName } : {}),
      ...(input.HostedZoneId ? { HostedZoneId: bareId(input.HostedZoneId) } : {}),
      ...(next ? { NextDNSName: next.Name, NextHostedZoneId: next.Id } : {}),
    };
  }

  /** The record sets of a zone, optionally those of one name (and type). */
  records(zoneId: string, name?: string, type?: string): ResourceRecordSet[] {
    const zone = this.zone(zoneId);
    return zone.records.filter((r) => (!name || fqdn(r.Name) === fqdn(name)) && (!type || r.Type === type));
  }

  /** Whether any zone answers `name` with `type` (and, if given, this value): what a resolver would see. */
  resolves(name: string, type: string, value?: string): boolean {
    for (const zone of this.zones.values())
      for (const r of zone.records)
        if (
          fqdn(r.Name) === fqdn(name) &&
          r.Type === type &&
          (!value || r.ResourceRecords?.some((v) => fqdn(v.Value) === fqdn(value)))
        )
          return true;
    return false;
  }

  /** ChangeResourceRecordSets: every change is checked first; the batch applies all or nothing. */
  changeResourceRecordSets(zoneId: string, batch: { Changes?: Change[]; Comment?: string }): ChangeInfo {
    const zone = this.zone(zoneId);
    const changes = batch.Changes ?? [];
    if (changes.length === 0)
      throw new AwsError('InvalidInput', 'Invalid request: ChangeBatch must contain at least 1 Change.');
    const records = zone.records.map((r) => ({ ...r }));
    const errors: string[] = [];
    for (const change of changes) {
      const set = change.ResourceRecordSet;
      this.#checkShape(change, set);
      const name = fqdn(set.Name);
      const same = (r: ResourceRecordSet) =>
        fqdn(r.Name) === name && r.Type === set.Type && (r.SetIdentifier ?? '') === (set.SetIdentifier ?? '');
      if (name !== zone.Name && !name.endsWith(`.${zone.Name}`)) {
        errors.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.Name}`);
        continue;
      }
      const index = records.findIndex(same);
      if (change.Action === 'DELETE') {
        if (index < 0) {
          errors.push(`Tried to delete resource record set ${describeSet(set)} but it was not found`);
          continue;
        }
        if (JSON.stringify(canonical(records[index]!)) !== JSON.stringify(canonical(set))) {
          errors.push(
            `Tried to delete resource record set ${describeSet(set)} but the values provided do not match the current values`,
          );
          continue;
        }
        if (name === zone.Name && (set.Type === 'SOA' || set.Type === 'NS')) {
          errors.push(`A HostedZone must contain at least one ${set.Type} record for the zone itself.`);
          continue;
        }
        records.splice(index, 1);
        continue;
      }
      if (change.Action === 'CREATE' && index >= 0) {
        errors.push(`Tried to create resource record set ${describeSet(set)} but it already exists`);
        continue;
      }
      if (set.Type === 'CNAME' && name === zone.Name) {
        errors.push(
          `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.Name}`,
        );
        continue;
      }
      const conflict = records.find(
        (r) => fqdn(r.Name) === name && !same(r) && (r.Type === 'CNAME') !== (set.Type === 'CNAME'),
      );
      if (conflict) {
        errors.push(
          `RRSet of type ${set.Type} with DNS name ${name} is not permitted because a conflicting RRSet of type ${conflict.Type} with the same DNS name already exists in zone ${zone.Name}`,
        );
        continue;
      }
      const target = set.AliasTarget;
      if (target) {
        const problem = this.#aliasProblem(set, zone, records);
        if (problem) {
          errors.push(problem);
          continue;
        }
      }
      const stored: ResourceRecordSet = { ...canonical(set), Name: name };
      if (index >= 0) records[index] = stored;
      else records.push(stored);
    }
    if (errors.length > 0) throw invalidBatch(errors.map((e) => `[${e}]`));
    zone.records = records;
    const info = this.#newChange(batch.Comment);
    for (const listener of this.#listeners) listener();
    return info;
  }

  getChange(id: string): ChangeInfo {
    const info = this.changes.get(bareId(String(id ?? '')));
    if (!info)
      throw new AwsError('NoSuchChange', `A change with the specified change ID does not exist.`, {
        statusCode: 404,
      });
    return info;
  }

  /** Fields and their combinations, as the API validates them before looking at the zone. */
  #checkShape(change: Change, set: ResourceRecordSet | undefined): asserts set is ResourceRecordSet {
    if (!['CREATE', 'DELETE', 'UPSERT'].includes(change.Action))
      throw new AwsError(
        'InvalidInput',
        `Invalid request: Action must be one of CREATE, DELETE, UPSERT (found ${change.Action}).`,
      );
    if (!set?.Name || !set.Type)
      throw new AwsError('InvalidInput', 'Invalid request: Missing field Name or Type in ResourceRecordSet.');
    if (!RECORD_TYPES.has(set.Type))
      throw new AwsError('InvalidInput', `Invalid request: ${set.Type} is not a valid resource record type.`);
    const hasValues = set.TTL !== undefined || (set.ResourceRecords?.length ?? 0) > 0;
    const where = `Change with [Action=${change.Action}, Name=${fqdn(set.Name)}, Type=${set.Type}, SetIdentifier=${set.SetIdentifier ?? 'null'}]`;
    if (set.AliasTarget && hasValues)
      throw new AwsError(
        'InvalidInput',
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in ${where}`,
      );
    if (!set.AliasTarget && !(set.TTL !== undefined && (set.ResourceRecords?.length ?? 0) > 0))
      throw new AwsError(
        'InvalidInput',
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in ${where}`,
      );
    if (set.AliasTarget && !ALIAS_TYPES.has(set.Type))
      throw new AwsError(
        'InvalidInput',
        `Invalid request: alias records of type ${set.Type} are not supported.`,
      );
    if (set.TTL !== undefined && (!Number.isInteger(set.TTL) || set.TTL < 0 || set.TTL > 2147483647))
      throw new AwsError('InvalidInput', 'Invalid request: TTL must be between 0 and 2147483647.');
    if (set.Type === 'CNAME' && (set.ResourceRecords?.length ?? 0) > 1)
      throw invalidBatch([
        `[RRSet of type CNAME with DNS name ${fqdn(set.Name)} is not permitted as it can have only one value]`,
      ]);
  }

  /**
   * An alias must point at something that exists: a load balancer of this cloud (its DNS name,
   * `dualstack.` prefixed or not, under its canonical hosted zone), a record of the same zone, or a
   * distribution of this cloud (its d….cloudfront.net name under Z2FDTNDATAQYW2).
   */
  #aliasProblem(set: ResourceRecordSet, zone: HostedZone, records: ResourceRecordSet[]): string | undefined {
    const target = set.AliasTarget!;
    const dns = fqdn(target.DNSName).replace(/^dualstack\./, '');
    const notFound = `Tried to create an alias that targets ${fqdn(target.DNSName)}, type ${set.Type} in zone ${bareId(target.HostedZoneId)}, but the alias target name does not lie within the target zone`;
    if (bareId(target.HostedZoneId) === 'Z2FDTNDATAQYW2')
      return [...this.#cloud.cloudfront.distributions.values()].some((d) => fqdn(d.DomainName) === dns)
        ? undefined
        : notFound;
    if (bareId(target.HostedZoneId) === zone.Id)
      return records.some((r) => fqdn(r.Name) === fqdn(target.DNSName) && r.Type === set.Type)
        ? undefined
        : notFound;
    const lb = [...this.#cloud.elbv2.loadBalancers.values()].find((l) => fqdn(l.DNSName) === dns);
    if (!lb) return notFound;
    if (lb.CanonicalHostedZoneId !== bareId(target.HostedZoneId)) return notFound;
    return undefined;
  }

  #newChange(comment?: string): ChangeInfo {
    const info: ChangeInfo = {
      Id: newId('C', 20),
      Status: 'PENDING',
      SubmittedAt: this.#cloud.clock.date(),
      ...(comment ? { Comment: comment } : {}),
    };
    this.changes.set(info.Id, info);
    this.#cloud.clock.setBackgroundTimer(this.#cloud.durations.service.route53Propagation, () => {
      info.Status = 'INSYNC';
    });
    return info;
  }
}

/** A record set reduced to the fields that define it (DELETE must repeat them exactly). */
function canonical(r: ResourceRecordSet): ResourceRecordSet {
  return {
    Name: fqdn(r.Name),
    Type: r.Type,
    ...(r.SetIdentifier ? { SetIdentifier: r.SetIdentifier } : {}),
    ...(r.TTL !== undefined ? { TTL: Number(r.TTL) } : {}),
    ...(r.ResourceRecords?.length
      ? { ResourceRecords: r.ResourceRecords.map((v) => ({ Value: String(v.Value) })) }
      : {}),
    ...(r.AliasTarget
      ? {
          AliasTarget: {
            HostedZoneId: bareId(r.AliasTarget.HostedZoneId),
            DNSName: fqdn(r.AliasTarget.DNSName),
            EvaluateTargetHealth:
              r.AliasTarget.EvaluateTargetHealth === true ||
              String(r.AliasTarget.EvaluateTargetHealth) === 'true',
          },
        }
      : {}),
  };
}

/** Deterministic per account and name, as ACM's validation records are. */
export function validationLabel(accountId: string, name: string): string {
  return `_${createHash('md5')
    .update(`${accountId}:${fqdn(name)}`)
    .digest('hex')}`;
}
