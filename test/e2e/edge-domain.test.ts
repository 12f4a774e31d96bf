import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, manifestFor, provision, startWorld } from './helpers.ts';

/**
 * A domain, the CDN and the firewall provisioned through stackdrop itself (S3 upload → state
 * machine → CloudFormation with its service role, IAM enforced): load-manifest finds the domain's
 * Route 53 zone by name, the edge stack gets an issued ACM certificate, alias records and a
 * CloudFront distribution in front of the load balancer.
 */
let world: E2eWorld;
let zoneId: string;

beforeAll(async () => {
  world = await startWorld();
  zoneId = world.sd.cloud.route53.createHostedZone({ Name: 'example.com', CallerReference: 'e2e-domain' })
    .zone.Id;
}, 120_000);

afterAll(async () => {
  await world.stop();
}, 120_000);

describe('a domain with its certificate and the CDN, provisioned by stackdrop', () => {
  it('finds the zone, issues the certificate, points the domain at the load balancer and serves assets from CloudFront', async () => {
    // Arrange: the example manifest without its certificate ARN and without a zone id.
    const text = manifestFor('webshop', [
      [/\n\s*certificateArn: .*/, ''],
      [/\n {2}domain: shop\.example\.com/, '\n  domain: shop.example.com\n  redirectWww: true\n  cdn: true'],
    ]);

    // Act
    const doc = await provision(world, 'webshop', text);

    // Assess
    expect(doc.phase, JSON.stringify(doc)).toBe('ready');
    const cloud = world.sd.cloud;
    const certificates = [...cloud.acm.certificates.values()].filter(
      (c) => c.domainName === 'shop.example.com',
    );
    expect(certificates.map((c) => [c.status, c.subjectAlternativeNames])).toEqual([
      ['ISSUED', ['shop.example.com', 'www.shop.example.com']],
    ]);
    const records = cloud.route53.records(zoneId);
    expect(records.filter((r) => r.Type === 'CNAME').map((r) => r.Name)).toHaveLength(2);
    const apex = records.find((r) => r.Name === 'shop.example.com.' && r.Type === 'A');
    expect(apex?.AliasTarget?.DNSName).toMatch(/^dualstack\..*elb\.amazonaws\.com\.$/);
    expect(records.some((r) => r.Name === 'www.shop.example.com.' && r.Type === 'A')).toBe(true);
    const distributions = [...cloud.cloudfront.distributions.values()];
    expect(distributions).toHaveLength(1);
    const edge = [...cloud.cloudformation.stacks.values()].find(
      (s) => s.stackName === 'stackdrop-webshop-production-edge',
    );
    const outputs = Object.fromEntries(
      (edge?.outputs ?? []).map((o: { OutputKey: string; OutputValue: string }) => [
        o.OutputKey,
        o.OutputValue,
      ]),
    );
    expect(outputs.Url).toBe('https://shop.example.com');
    expect(outputs.AssetUrl).toBe(`https://${distributions[0]!.DomainName}/assets`);
  }, 300_000);

  it('puts the firewall on the load balancer, with its rate-based rule and managed rule groups', async () => {
    // Arrange
    const text = manifestFor('guarded', [
      [/\n\s*certificateArn: .*/, ''],
      [
        /\n {2}domain: shop\.example\.com/,
        '\n  domain: guarded.example.com\n  firewall:\n    rateLimitPerIp: 2000',
      ],
    ]);

    // Act
    const doc = await provision(world, 'guarded', text);

    // Assess
    expect(doc.phase, JSON.stringify(doc)).toBe('ready');
    const acls = [...world.sd.cloud.wafv2.webAcls.values()];
    expect(acls.map((a) => [a.Name, a.Scope, a.associations.size, a.Capacity])).toEqual([
      ['stackdrop-guarded-production', 'REGIONAL', 1, 700 + 200 + 25 + 2],
    ]);
  }, 300_000);
});
