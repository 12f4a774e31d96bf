import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { QUOTAS } from '#shared/aws-rules/quotas.ts';
import { AURORA_DEFAULT_VERSIONS } from '#shared/aws-rules/rds.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import type { Stage } from '#shared/naming.ts';
import { findHostedZone } from '#shared/provision/hosted-zone.ts';
import type { Style } from '../ui.ts';
import { fargateQuotaCheck } from './preflight-fargate.ts';
import { imagePlatformCheck } from './preflight-image.ts';
import { secretReadChecks } from './preflight-secrets.ts';

/**
 * `plan --live`'s preflight: what the account and Region must offer before a deploy can succeed,
 * each failure with its fix. Read-only calls only.
 */

export interface PreflightClients {
  rds: RDSClient;
  acm: ACMClient;
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  quotas: ServiceQuotasClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  ecr: ECRClient;
  route53: Route53Client;
  iam: IAMClient;
  sts: STSClient;
  ecs: ECSClient;
}

export interface PreflightCheck {
  check: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** How to fix a failure. */
  fix?: string;
}

/** Builds the preflight clients with the same settings as the CLI's other clients. */
export function preflightClients(config: Record<string, unknown>): PreflightClients {
  return {
    rds: new RDSClient(config),
    acm: new ACMClient(config),
    secretsManager: new SecretsManagerClient(config),
    ssm: new SSMClient(config),
    quotas: new ServiceQuotasClient(config),
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ecr: new ECRClient(config),
    route53: new Route53Client(config),
    iam: new IAMClient(config),
    sts: new STSClient(config),
    ecs: new ECSClient(config),
  };
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? 'Error';
const errorMessage = (error: unknown) => ((error as Error)?.message ?? String(error)).split('\n')[0]!;

async function engineChecks(m: Manifest, c: PreflightClients, region: string): Promise<PreflightCheck[]> {
  const engine = m.database.engine;
  const version = m.database.engineVersion ?? AURORA_DEFAULT_VERSIONS[engine];
  const versions = await c.rds.send(
    new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: version }),
  );
  const found = (versions.DBEngineVersions ?? []).find((v) => v.EngineVersion === version);
  const checks: PreflightCheck[] = [];
  if (!found) {
    return [
      {
        check: 'engine version',
        ok: false,
        detail: `${engine} ${version} is not available in ${region}`,
        fix: `pick a version from \`aws rds describe-db-engine-versions --engine ${engine} --region ${region}\` and set database.engineVersion`,
      },
    ];
  }
  const instanceClass = m.database.serverless
    ? 'db.serverless'
    : (m.database.instanceClass ?? 'db.t4g.medium');
  const orderable = await c.rds.send(
    new DescribeOrderableDBInstanceOptionsCommand({
      Engine: engine,
      EngineVersion: version,
      DBInstanceClass: instanceClass,
    }),
  );
  const offered = (orderable.OrderableDBInstanceOptions ?? []).length > 0;
  checks.push({
    check: 'engine version',
    ok: offered,
    detail: offered
      ? `${engine} ${version} on ${instanceClass} is orderable in ${region}`
      : `${instanceClass} cannot be ordered with ${engine} ${version} in ${region}`,
    ...(offered
      ? {}
      : {
          fix: `choose a class from \`aws rds describe-orderable-db-instance-options --engine ${engine} --engine-version ${version} --region ${region}\``,
        }),
  });
  const serverless = m.database.serverless;
  const range = found.ServerlessV2FeaturesSupport;
  if (
    serverless &&
    range &&
    (serverless.minCapacity < (range.MinCapacity ?? 0) || serverless.maxCapacity > (range.MaxCapacity ?? 256))
  ) {
    checks.push({
      check: 'serverless capacity',
      ok: false,
      detail: `${engine} ${version} supports ${range.MinCapacity}–${range.MaxCapacity} ACUs; the manifest asks ${serverless.minCapacity}–${serverless.maxCapacity}`,
      fix: 'set database.serverless within that range, or choose a newer engineVersion',
    });
  }
  return checks;
}

/** Whether a certificate name covers a host (one-level wildcards, as ACM matches them). */
export function certificateCovers(names: string[], host: string): boolean {
  return names.some(
    (n) => n === host || (n.startsWith('*.') && host.split('.').slice(1).join('.') === n.slice(2)),
  );
}

async function certificateCheck(m: Manifest, c: PreflightClients): Promise<PreflightCheck[]> {
  const arn = m.app.certificateArn;
  if (!arn) return [];
  try {
    const out = await c.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    const cert = out.Certificate;
    const status = cert?.Status ?? 'UNKNOWN';
    const names = [cert?.DomainName, ...(cert?.SubjectAlternativeNames ?? [])].filter((n): n is string =>
      Boolean(n),
    );
    const hosts = m.app.domain ? [m.app.domain, ...(m.app.redirectWww ? [`www.${m.app.domain}`] : [])] : [];
    const uncovered = hosts.filter((h) => !certificateCovers(names, h));
    if (status !== 'ISSUED')
      return [
        {
          check: 'certificate',
          ok: false,
          detail: `the certificate is ${status}, not ISSUED`,
          fix:
            status === 'PENDING_VALIDATION'
              ? 'finish its DNS validation (add the CNAME records `aws acm describe-certificate` lists), then plan again'
              : 'request a new certificate for the domain in this Region and set app.certificateArn',
        },
      ];
    if (uncovered.length)
      return [
        {
          check: 'certificate',
          ok: false,
          detail: `the certificate (${names.join(', ')}) does not cover ${uncovered.join(' and ')}`,
          fix: `request a certificate whose names include ${uncovered.join(' and ')} and set app.certificateArn`,
        },
      ];
    return [{ check: 'certificate', ok: true, detail: `ISSUED for ${names.join(', ')}` }];
  } catch (error) {
    return [
      {
        check: 'certificate',
        ok: false,
        detail: `${arn} cannot be read (${errorName(error)}: ${errorMessage(error)})`,
        fix: 'check that the ARN is right and in this Region: `aws acm list-certificates`',
      },
    ];
  }
}

/**
 * The domain's Route 53 zone: the one named (public, holding the domain) or the one provisioning
 * will find by name; without a zone the manifest must bring its certificate.
 */
async function hostedZoneCheck(m: Manifest, c: PreflightClients): Promise<PreflightCheck[]> {
  const domain = m.app.domain;
  if (!domain) return [];
  if (m.app.hostedZoneId) {
    const out = await c.route53.send(new GetHostedZoneCommand({ Id: m.app.hostedZoneId }));
    const name = (out.HostedZone?.Name ?? '').replace(/\.$/, '');
    const holds = domain === name || domain.endsWith(`.${name}`);
    const isPrivate = out.HostedZone?.Config?.PrivateZone === true;
    return [
      holds && !isPrivate
        ? { check: 'hosted zone', ok: true, detail: `${m.app.hostedZoneId} (${name}) holds ${domain}` }
        : {
            check: 'hosted zone',
            ok: false,
            detail: isPrivate
              ? `${m.app.hostedZoneId} is a private zone`
              : `${m.app.hostedZoneId} is ${name}, which does not hold ${domain}`,
            fix: 'set app.hostedZoneId to the public zone of the domain (aws route53 list-hosted-zones-by-name)',
          },
    ];
  }
  if (m.app.certificateArn)
    return [
      {
        check: 'hosted zone',
        ok: true,
        detail: `none named: the DNS of ${domain} is yours to point at the load balancer`,
      },
    ];
  const found = await findHostedZone(c.route53, domain);
  if (found && 'id' in found)
    return [{ check: 'hosted zone', ok: true, detail: `${found.id} holds ${domain} (found by name)` }];
  if (found)
    return [
      {
        check: 'hosted zone',
        ok: false,
        detail: `several public zones are named for ${domain}: ${found.ambiguous.join(', ')}`,
        fix: 'set app.hostedZoneId to the zone the domain is delegated to',
      },
    ];
  return m.app.certificateArn
    ? [
        {
          check: 'hosted zone',
          ok: true,
          detail: `none for ${domain}: its DNS is yours to point at the load balancer`,
        },
      ]
    : [
        {
          check: 'hosted zone',
          ok: false,
          detail: `no Route 53 public hosted zone in this account holds ${domain}`,
          fix: 'create the zone and delegate the domain to it, or set app.certificateArn and manage DNS yourself',
        },
      ];
}

/** What a new project adds of each quota'd resource, given the stacks that exist already. */
function needs(m: Manifest, existing: ReadonlySet<Stage>) {
  const newNetwork = !existing.has('network');
  const nats =
    m.network.natGateways === 'none'
      ? 0
      : m.network.natGateways === 'single'
        ? 1
        : m.network.availabilityZones;
  return {
    vpcs: newNetwork ? 1 : 0,
    eips: newNetwork ? nats : 0,
    natsPerAz: newNetwork && nats > 0 ? 1 : 0,
    // The network stack's S3 gateway endpoint: Gateway VPC endpoints per Region is 20 by default.
    gatewayEndpoints: newNetwork ? 1 : 0,
    albs: existing.has('edge') ? 0 : 1,
    clusters: existing.has('database') ? 0 : 1,
    // The writer and its readers (DB instances per Region: 40 by default, so 2 each stop the 21st).
    dbInstances: existing.has('database') ? 0 : 1 + m.database.readers,
  };
}

async function quotaValue(
  c: PreflightClients,
  serviceCode: string,
  quotaCode: string,
): Promise<number | undefined> {
  try {
    const out = await c.quotas.send(
      new GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode }),
    );
    return out.Quota?.Value;
  } catch (error) {
    if (errorName(error) === 'NoSuchResourceException') return undefined;
    throw error;
  }
}

async function quotaChecks(
  m: Manifest,
  c: PreflightClients,
  existing: ReadonlySet<Stage>,
): Promise<PreflightCheck[]> {
  const need = needs(m, existing);
  const items: { name: keyof typeof QUOTAS; need: number; usage: () => Promise<number>; what: string }[] = [
    {
      name: 'vpcsPerRegion',
      need: need.vpcs,
      what: 'VPC',
      usage: async () => (await c.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.length ?? 0,
    },
    {
      name: 'elasticIpsPerRegion',
      need: need.eips,
      what: 'Elastic IP',
      usage: async () => (await c.ec2.send(new DescribeAddressesCommand({}))).Addresses?.length ?? 0,
    },
    {
      name: 'natGatewaysPerAz',
      need: need.natsPerAz,
      what: 'NAT gateway per AZ',
      usage: async () => {
        const out = await c.ec2.send(
          new DescribeNatGatewaysCommand({ Filter: [{ Name: 'state', Values: ['pending', 'available'] }] }),
        );
        const perSubnetAz = new Map<string, number>();
        for (const n of out.NatGateways ?? [])
          perSubnetAz.set(n.SubnetId ?? '', (perSubnetAz.get(n.SubnetId ?? '') ?? 0) + 1);
        // Busiest subnet as a floor for the busiest AZ (subnets map to one AZ each).
        return Math.max(0, ...perSubnetAz.values());
      },
    },
    {
      name: 'gatewayEndpointsPerRegion',
      need: need.gatewayEndpoints,
      what: 'gateway VPC endpoint',
      usage: async () =>
        (await c.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints?.filter(
          (e) => e.VpcEndpointType === 'Gateway',
        ).length ?? 0,
    },
    {
      name: 'albsPerRegion',
      need: need.albs,
      what: 'Application Load Balancer',
      usage: async () =>
        (await c.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.filter(
          (l) => l.Type === 'application',
        ).length ?? 0,
    },
    {
      name: 'dbClusters',
      need: need.clusters,
      what: 'Aurora cluster',
      usage: async () => (await c.rds.send(new DescribeDBClustersCommand({}))).DBClusters?.length ?? 0,
    },
    {
      name: 'dbInstances',
      need: need.dbInstances,
      what: 'DB instance',
      usage: async () => (await c.rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.length ?? 0,
    },
  ];
  const checks: PreflightCheck[] = [];
  for (const item of items) {
    if (item.need === 0) continue;
    const q = QUOTAS[item.name];
    const limit = (await quotaValue(c, q.serviceCode, q.quotaCode)) ?? q.defaultValue;
    const used = await item.usage();
    const ok = used + item.need <= limit;
    checks.push({
      check: `quota ${q.quotaName}`,
      ok,
      detail: `${used} in use + ${item.need} new ${item.what}${item.need === 1 ? '' : 's'} of ${limit} (${q.quotaCode})`,
      ...(ok
        ? {}
        : {
            fix: `request an increase: aws service-quotas request-service-quota-increase --service-code ${q.serviceCode} --quota-code ${q.quotaCode} --desired-value ${used + item.need}, or free one`,
          }),
    });
  }
  checks.push(await fargateQuotaCheck(m, c.ecs, (service, code) => quotaValue(c, service, code)));
  return checks;
}

async function repositoryCheck(m: Manifest, c: PreflightClients): Promise<PreflightCheck[]> {
  const name = m.app.repository;
  let arn: string | undefined;
  try {
    const out = await c.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    arn = out.repositories?.[0]?.repositoryArn;
  } catch (error) {
    if (errorName(error) === 'RepositoryNotFoundException')
      return [{ check: 'repository', ok: true, detail: `${name} does not exist yet: stackdrop creates it` }];
    throw error;
  }
  if (!arn)
    return [{ check: 'repository', ok: true, detail: `${name} does not exist yet: stackdrop creates it` }];
  const tags = (await c.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? [];
  const tag = (key: string) => tags.find((t) => t.Key === key)?.Value;
  const owner = tag('stackdrop:project');
  const ownerEnv = tag('stackdrop:environment');
  if (owner === m.project && ownerEnv === m.environment)
    return [{ check: 'repository', ok: true, detail: `${name} belongs to ${m.project}/${m.environment}` }];
  return [
    {
      check: 'repository',
      ok: false,
      detail: owner
        ? `${name} belongs to another project (${owner}/${ownerEnv ?? '?'})`
        : `${name} exists and is not stackdrop's (no stackdrop:project tag)`,
      fix: `set app.repository to a name no other project uses, e.g. ${m.project}-${m.environment}`,
    },
  ];
}

/** Runs every preflight check; a check that cannot run is reported as failed with its reason. */
export async function runPreflight(
  m: Manifest,
  c: PreflightClients,
  options: {
    region: string;
    existing: ReadonlySet<Stage>;
    /** The task execution role, once the edge stack has made it. */
    executionRoleArn?: string;
    readTemplate?: (file: string) => Promise<string>;
  },
): Promise<PreflightCheck[]> {
  const guard = async (check: string, fn: () => Promise<PreflightCheck[]>): Promise<PreflightCheck[]> => {
    try {
      return await fn();
    } catch (error) {
      return [
        {
          check,
          ok: false,
          detail: `could not be checked (${errorName(error)}: ${errorMessage(error)})`,
          fix: 'check the role allows the read-only calls listed in docs/cli.md ("Permissions")',
        },
      ];
    }
  };
  const groups = await Promise.all([
    guard('engine version', () => engineChecks(m, c, options.region)),
    guard('certificate', () => certificateCheck(m, c)),
    guard('hosted zone', () => hostedZoneCheck(m, c)),
    guard('secrets', () =>
      secretReadChecks(m, c, {
        region: options.region,
        ...(options.executionRoleArn ? { executionRoleArn: options.executionRoleArn } : {}),
        ...(options.readTemplate ? { readTemplate: options.readTemplate } : {}),
      }),
    ),
    guard('quotas', () => quotaChecks(m, c, options.existing)),
    guard('repository', () => repositoryCheck(m, c)),
    guard('image platform', () => imagePlatformCheck(m, c)),
  ]);
  return groups.flat();
}

/** Human lines for the preflight. */
export function formatPreflight(checks: PreflightCheck[], style: Style): string[] {
  const failed = checks.filter((c) => !c.ok).length;
  const lines = [
    '',
    style.bold(
      `Preflight against the account: ${failed ? style.red(`${failed} of ${checks.length} failed`) : `${checks.length} passed`}`,
    ),
  ];
  for (const c of checks) {
    lines.push(`  ${c.ok ? style.green('✓') : style.red('✗')} ${c.check}: ${c.detail}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
  }
  return lines;
}
