import { readFileSync } from 'node:fs';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { type Capability, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Manifest, validateManifestObject } from '#shared/manifest/index.ts';
import { findHostedZone } from '#shared/provision/hosted-zone.ts';
import { renderStacks, type StageOutputs, templatePath } from '#shared/render.ts';
import { type CfnHarness, settle, startCfnHarness } from './helpers.ts';

/**
 * The edge stage with a domain in a Route 53 zone, the CDN and the firewall, on the local cloud:
 * CloudFormation requests the certificate, writes its validation record, ACM issues it, the alias
 * records point at the load balancer or CloudFront.
 */
const example = parse(readFileSync('examples/laravel/stackdrop.yaml', 'utf8')) as Record<string, unknown>;

function manifestWith(app: Record<string, unknown>, project: string): Manifest {
  const copy = structuredClone(example) as {
    project: string;
    app: Record<string, unknown>;
    network: Record<string, unknown>;
  };
  copy.project = project;
  // Three networks in one account: one NAT gateway (and Elastic IP) each stays within the quota.
  copy.network.natGateways = 'single';
  delete copy.app.certificateArn;
  delete copy.app.secrets;
  Object.assign(copy.app, app);
  return validateManifestObject(copy);
}

let h: CfnHarness;
let route53: Route53Client;
let zoneId: string;

async function createStage(manifest: Manifest, stage: 'network' | 'edge', outputs: StageOutputs) {
  const stack = renderStacks(manifest, { outputs }).find((s) => s.stage === stage)!;
  await h.cfn.send(
    new CreateStackCommand({
      StackName: stack.stackName,
      TemplateBody: readFileSync(templatePath(stage), 'utf8'),
      Parameters: Object.entries(stack.parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
      Capabilities: ['CAPABILITY_NAMED_IAM'] as Capability[],
    }),
  );
  await settle(h, stack.stackName);
  const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
  const out = Object.fromEntries((Stacks![0]!.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
  return { status: Stacks![0]!.StackStatus, reason: Stacks![0]!.StackStatusReason, outputs: out };
}

async function provisionEdge(manifest: Manifest) {
  const outputs: StageOutputs = {};
  const network = await createStage(manifest, 'network', outputs);
  outputs.network = network.outputs;
  return createStage(manifest, 'edge', outputs);
}

beforeAll(async () => {
  h = await startCfnHarness();
  route53 = new Route53Client({ ...h.clientConfig, maxAttempts: 1 });
  const created = await route53.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'edge-domain-test' }),
  );
  zoneId = created.HostedZone!.Id!.replace('/hostedzone/', '');
}, 60_000);

afterAll(async () => {
  route53.destroy();
  await h.stop();
});

describe('the edge stage with a domain, the CDN and the firewall', () => {
  it('finds the hosted zone of a domain by name, and no zone for a name outside every zone', async () => {
    expect(await findHostedZone(route53, 'shop.example.com')).toEqual({ id: zoneId });
    expect(await findHostedZone(route53, 'shop.example.org')).toBeUndefined();
    const listed = await route53.send(new ListHostedZonesByNameCommand({ DNSName: 'example.com' }));
    expect(listed.HostedZones?.map((z) => z.Name)).toEqual(['example.com.']);
  });

  it('issues a DNS-validated certificate and points the domain at the load balancer over HTTPS', async () => {
    // Arrange
    const manifest = manifestWith(
      { domain: 'shop.example.com', hostedZoneId: zoneId, redirectWww: true },
      'dom',
    );

    // Act
    const edge = await provisionEdge(manifest);

    // Assess
    expect(edge.status, edge.reason).toBe('CREATE_COMPLETE');
    expect(edge.outputs.Url).toBe('https://shop.example.com');
    const acm = new ACMClient(h.clientConfig);
    const { Certificate } = await acm.send(
      new DescribeCertificateCommand({ CertificateArn: edge.outputs.CertificateArn }),
    );
    expect(Certificate?.Status).toBe('ISSUED');
    expect(Certificate?.SubjectAlternativeNames).toEqual(['shop.example.com', 'www.shop.example.com']);
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const byName = (name: string, type: string) =>
      records.ResourceRecordSets?.find((r) => r.Name === name && r.Type === type);
    const validation = Certificate!.DomainValidationOptions!.map((o) => o.ResourceRecord!);
    for (const v of validation) expect(byName(v.Name!, 'CNAME')?.ResourceRecords?.[0]?.Value).toBe(v.Value);
    const alias = byName('shop.example.com.', 'A')?.AliasTarget;
    const lb = [...h.running.cloud.elbv2.loadBalancers.values()].find(
      (l) => alias?.DNSName === `dualstack.${l.DNSName}.`.toLowerCase(),
    );
    expect(alias?.HostedZoneId).toBe(lb?.CanonicalHostedZoneId);
    expect(byName('www.shop.example.com.', 'A')).toBeDefined();
    // HTTPS by default (issue #13): 80 only answers 301 to HTTPS, 443 speaks TLS 1.3/1.2 only.
    const listeners = [...h.running.cloud.elbv2.listeners.values()].filter(
      (l) => l.LoadBalancerArn === lb?.LoadBalancerArn,
    );
    expect(listeners.find((l) => l.Port === 80)?.DefaultActions).toEqual([
      expect.objectContaining({
        Type: 'redirect',
        RedirectConfig: expect.objectContaining({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
      }),
    ]);
    expect(listeners.find((l) => l.Port === 443)).toMatchObject({
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: edge.outputs.CertificateArn }],
    });
    // The load balancer is IPv4 only (no IPv6 in the network): no AAAA record points at it.
    expect(byName('shop.example.com.', 'AAAA')).toBeUndefined();
    expect(byName('www.shop.example.com.', 'AAAA')).toBeUndefined();
    acm.destroy();
  }, 120_000);

  it('serves plain HTTP only when the manifest says allowPlainHttp: the app on 80, nothing on 443', async () => {
    // Arrange
    const manifest = manifestWith({ allowPlainHttp: true, domain: undefined }, 'plain');

    // Act
    const edge = await provisionEdge(manifest);

    // Assess
    expect(edge.status, edge.reason).toBe('CREATE_COMPLETE');
    expect(edge.outputs.Url, JSON.stringify(edge.outputs)).toMatch(/^http:\/\//);
    const lb = [...h.running.cloud.elbv2.loadBalancers.values()].find((l) =>
      edge.outputs.Url!.toLowerCase().includes(l.DNSName.toLowerCase()),
    );
    const listeners = [...h.running.cloud.elbv2.listeners.values()].filter(
      (l) => l.LoadBalancerArn === lb?.LoadBalancerArn,
    );
    expect(listeners.map((l) => [l.Port, l.Protocol, l.DefaultActions[0]?.Type])).toEqual([
      [80, 'HTTP', 'forward'],
    ]);
  }, 120_000);

  it('refuses a CNAME at the zone apex and a second record of the same name and type', async () => {
    const cname = {
      Name: 'example.com',
      Type: 'CNAME' as const,
      TTL: 60,
      ResourceRecords: [{ Value: 'x.example.net' }],
    };
    await expect(
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: cname }] },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining('not permitted at apex'),
    });
    const txt = { Name: 'a.example.com', Type: 'TXT' as const, TTL: 60, ResourceRecords: [{ Value: '"x"' }] };
    const create = () =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: txt }] },
        }),
      );
    await create();
    await expect(create()).rejects.toMatchObject({
      message: expect.stringContaining('but it already exists'),
    });
  });

  it('puts CloudFront in front with the assets origin and A and AAAA aliases for the domain', async () => {
    // Arrange: a us-east-1 certificate for CloudFront, so the domain is served by it.
    const manifest = manifestWith(
      {
        domain: 'cdn.example.com',
        hostedZoneId: zoneId,
        cdn: {
          certificateArn:
            'arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333',
        },
      },
      'cdn',
    );

    // Act
    const edge = await provisionEdge(manifest);

    // Assess
    expect(edge.status, edge.reason).toBe('CREATE_COMPLETE');
    expect(edge.outputs.AssetUrl).toBe('https://cdn.example.com/assets');
    expect(edge.outputs.DistributionId).toBeTruthy();
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const aliases = records.ResourceRecordSets?.filter((r) => r.Name === 'cdn.example.com.');
    expect(aliases?.map((r) => [r.Type, r.AliasTarget?.HostedZoneId])).toEqual([
      ['A', 'Z2FDTNDATAQYW2'],
      ['AAAA', 'Z2FDTNDATAQYW2'],
    ]);
  }, 120_000);

  it('gives www. A and AAAA aliases to CloudFront too when the CDN serves the domain and its www redirect', async () => {
    const manifest = manifestWith(
      {
        domain: 'edge.example.com',
        hostedZoneId: zoneId,
        redirectWww: true,
        cdn: {
          certificateArn:
            'arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-aaaa-bbbb-cccc-444455556666',
        },
      },
      'cdnw',
    );

    const edge = await provisionEdge(manifest);

    expect(edge.status, edge.reason).toBe('CREATE_COMPLETE');
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const aliases = (name: string) =>
      records.ResourceRecordSets?.filter((r) => r.Name === name && r.AliasTarget).map((r) => [
        r.Type,
        r.AliasTarget?.HostedZoneId,
        r.AliasTarget?.DNSName,
      ]);
    const distribution = [...h.running.cloud.cloudfront.distributions.values()].find(
      (d) => d.Id === edge.outputs.DistributionId,
    );
    const target = `${distribution?.DomainName}.`;
    for (const name of ['edge.example.com.', 'www.edge.example.com.'])
      expect(aliases(name)).toEqual([
        ['A', 'Z2FDTNDATAQYW2', target],
        ['AAAA', 'Z2FDTNDATAQYW2', target],
      ]);
  }, 120_000);

  it('attaches a regional web ACL to the load balancer without the CDN', async () => {
    const manifest = manifestWith(
      {
        domain: undefined,
        allowPlainHttp: true,
        firewall: { rateLimitPerIp: 1000, managedRules: ['AWSManagedRulesCommonRuleSet'] },
      },
      'waf',
    );
    const edge = await provisionEdge(manifest);
    expect(edge.status, edge.reason).toBe('CREATE_COMPLETE');
    expect(edge.outputs.WebAclArn).toMatch(/^arn:aws:wafv2:/);
  }, 120_000);
});
