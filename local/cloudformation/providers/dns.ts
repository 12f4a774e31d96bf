import { AwsError } from '../../errors.ts';
import { bareId, fqdn, type ResourceRecordSet } from '../../services/route53.ts';
import type { ProviderRequest, ResourceProvider } from './types.ts';

/**
 * ACM certificates and Route 53 record sets as CloudFormation makes them (read 2026-12-07):
 * - AWS::CertificateManager::Certificate: with `DomainValidationOptions[].HostedZoneId` and DNS
 *   validation, CloudFormation writes each name's validation CNAME into that zone and the resource
 *   completes when ACM issues the certificate; without it the stack waits for someone to add the
 *   record. One option per name at most. Deleting the certificate leaves the records (ACM reuses
 *   the same record for the same name).
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-certificatemanager-certificate-domainvalidationoption.html
 * - AWS::Route53::RecordSet: one ChangeResourceRecordSets CREATE (UPSERT on update, DELETE on
 *   delete) in `HostedZoneId` (or the zone named `HostedZoneName`); Ref is the record name.
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53-recordset.html
 */

interface ValidationOption {
  DomainName?: string;
  HostedZoneId?: string;
}

const certificate: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const { acm, route53 } = request.cloud;
    const domain = String(p.DomainName);
    const sans = ((p.SubjectAlternativeNames as string[] | undefined) ?? []).map(String);
    const options = (p.DomainValidationOptions as ValidationOption[] | undefined) ?? [];
    const seen = new Set<string>();
    for (const o of options) {
      const name = String(o.DomainName ?? '');
      if (seen.has(name))
        throw new AwsError('InvalidRequest', `DomainValidationOptions names ${name} more than once`);
      seen.add(name);
      if (name !== domain && !sans.includes(name))
        throw new AwsError(
          'InvalidRequest',
          `DomainValidationOptions name ${name} is neither the DomainName nor a SubjectAlternativeName`,
        );
    }
    const method = String(p.ValidationMethod ?? 'EMAIL');
    const arn = acm.requestCertificate(domain, sans, { validationMethod: method });
    if (method === 'DNS') {
      for (const o of options) {
        if (!o.HostedZoneId) continue;
        const record = acm.validationRecords(arn).find((v) => v.domainName === o.DomainName);
        if (!record) continue;
        route53.changeResourceRecordSets(bareId(o.HostedZoneId), {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: record.name,
                Type: 'CNAME',
                TTL: 300,
                ResourceRecords: [{ Value: record.value }],
              },
            },
          ],
        });
      }
    }
    const stabilize = acm.waitForIssue(arn).then((status) => {
      if (status !== 'ISSUED') throw new Error(`Certificate ${arn} is ${status}, not ISSUED`);
    });
    return { physicalId: arn, attributes: { Id: arn }, stabilize };
  },
  delete(request) {
    if (request.cloud.acm.certificates.has(request.physicalId))
      request.cloud.acm.deleteCertificate(request.physicalId);
  },
};

function zoneOf(request: ProviderRequest): string {
  const p = request.properties;
  if (typeof p.HostedZoneId === 'string') return bareId(p.HostedZoneId);
  const name = fqdn(String(p.HostedZoneName ?? ''));
  const zone = [...request.cloud.route53.zones.values()].find((z) => z.Name === name);
  if (!zone) throw new AwsError('NoSuchHostedZone', `No hosted zone found with name ${name}`);
  return zone.Id;
}

function recordSet(p: Record<string, unknown>): ResourceRecordSet {
  const alias = p.AliasTarget as
    | { HostedZoneId: string; DNSName: string; EvaluateTargetHealth?: unknown }
    | undefined;
  return {
    Name: String(p.Name),
    Type: String(p.Type),
    ...(p.SetIdentifier !== undefined ? { SetIdentifier: String(p.SetIdentifier) } : {}),
    ...(p.TTL !== undefined ? { TTL: Number(p.TTL) } : {}),
    ...(p.ResourceRecords
      ? { ResourceRecords: (p.ResourceRecords as unknown[]).map((v) => ({ Value: String(v) })) }
      : {}),
    ...(alias
      ? {
          AliasTarget: {
            HostedZoneId: String(alias.HostedZoneId),
            DNSName: String(alias.DNSName),
            EvaluateTargetHealth:
              alias.EvaluateTargetHealth === true || alias.EvaluateTargetHealth === 'true',
          },
        }
      : {}),
  };
}

const recordSetProvider: ResourceProvider = {
  create(request) {
    const zone = zoneOf(request);
    const set = recordSet(request.properties);
    request.cloud.route53.changeResourceRecordSets(zone, {
      Changes: [{ Action: 'CREATE', ResourceRecordSet: set }],
    });
    return { physicalId: fqdn(set.Name).slice(0, -1), attributes: {} };
  },
  update(request, previous) {
    const zone = zoneOf(request);
    const set = recordSet(request.properties);
    const before = recordSet(previous);
    const changes = [{ Action: 'UPSERT', ResourceRecordSet: set }];
    // A change of name or type is a replacement (the engine creates anew); only values change here.
    if (fqdn(before.Name) !== fqdn(set.Name) || before.Type !== set.Type)
      changes.unshift({ Action: 'DELETE', ResourceRecordSet: before });
    request.cloud.route53.changeResourceRecordSets(zone, { Changes: changes });
    return { physicalId: fqdn(set.Name).slice(0, -1), attributes: {} };
  },
  delete(request) {
    const zone = zoneOf(request);
    const set = recordSet(request.properties);
    const exists = request.cloud.route53.zones
      .get(zone)
      ?.records.some((r) => fqdn(r.Name) === fqdn(set.Name) && r.Type === set.Type);
    if (!exists) return;
    const current = request.cloud.route53.records(zone, set.Name, set.Type)[0]!;
    request.cloud.route53.changeResourceRecordSets(zone, {
      Changes: [{ Action: 'DELETE', ResourceRecordSet: current }],
    });
  },
};

export const dnsProviders: Record<string, ResourceProvider> = {
  'AWS::CertificateManager::Certificate': certificate,
  'AWS::Route53::RecordSet': recordSetProvider,
};
