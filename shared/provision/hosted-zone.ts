import { ListHostedZonesByNameCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { Manifest } from '#shared/manifest/index.ts';
import type { ManifestProblem } from './load-manifest.ts';

/**
 * Finds the Route 53 public hosted zone of `app.domain` when the manifest names none: the zone
 * whose name is the longest suffix of the domain (shop.example.com is in shop.example.com. or
 * example.com.). ListHostedZonesByName lists zones in name order from DNSName on
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html, read
 * 2026-12-07), so one call per candidate name answers whether that zone exists. Read-only.
 */
export async function findHostedZone(
  route53: Route53Client,
  domain: string,
): Promise<{ id: string } | { ambiguous: string[] } | undefined> {
  const labels = domain.replace(/\.$/, '').split('.');
  // Candidates from the most specific down to the registrable name (never the bare TLD).
  for (let i = 0; i < labels.length - 1; i++) {
    const name = `${labels.slice(i).join('.')}.`;
    const out = await route53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 }));
    const zones = (out.HostedZones ?? []).filter((z) => z.Name === name && z.Config?.PrivateZone !== true);
    if (zones.length > 1) return { ambiguous: zones.map((z) => String(z.Id).replace(/^\/hostedzone\//, '')) };
    if (zones.length === 1) return { id: String(zones[0]!.Id).replace(/^\/hostedzone\//, '') };
  }
  return undefined;
}

/**
 * Fills `app.hostedZoneId` from Route 53 for a domain stackdrop makes the certificate for (no
 * certificateArn, no hostedZoneId); no zone is then an error, since ACM's DNS validation needs it.
 * A domain with its own certificate gets records only in a zone the manifest names.
 */
export async function resolveHostedZone(
  manifest: Manifest,
  file: string,
  route53: Route53Client | undefined,
): Promise<{ manifest: Manifest; problems: ManifestProblem[] }> {
  const domain = manifest.app.domain;
  // With its own certificate, a domain's DNS is the user's unless the manifest names the zone.
  if (!domain || manifest.app.hostedZoneId || manifest.app.certificateArn || !route53)
    return { manifest, problems: [] };
  const found = await findHostedZone(route53, domain);
  if (found && 'ambiguous' in found) {
    return {
      manifest,
      problems: [
        {
          file,
          path: 'app.hostedZoneId',
          message: `several public hosted zones are named for ${domain}: ${found.ambiguous.join(', ')}`,
          hint: 'set app.hostedZoneId to the zone the domain is delegated to (aws route53 get-hosted-zone --id <id> shows its name servers)',
        },
      ],
    };
  }
  if (found)
    return { manifest: { ...manifest, app: { ...manifest.app, hostedZoneId: found.id } }, problems: [] };
  if (manifest.app.certificateArn) return { manifest, problems: [] };
  return {
    manifest,
    problems: [
      {
        file,
        path: 'app.domain',
        message: `no Route 53 public hosted zone in this account holds ${domain}`,
        hint: `create the zone (aws route53 create-hosted-zone --name ${domain.split('.').slice(-2).join('.')} --caller-reference $(date +%s)) and delegate the domain to its name servers, set app.hostedZoneId, or give app.certificateArn and manage DNS yourself`,
      },
    ],
  };
}
