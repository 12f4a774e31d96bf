import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStackdrop } from '#local/runtime/index.ts';
import { LocalSession } from '#local/runtime/session.ts';
import { BIG_PROJECT, manifestText } from './full-manifest.ts';
import { type E2eWorld, ENVIRONMENT, provision, SEVERAL_PROJECTS_QUOTAS } from './helpers.ts';

/**
 * Issue 15's "done when": one manifest with 20 workers, 60 environment variables, 30 secrets,
 * arm64, a domain with its hosted zone, the CDN, a created KMS key, a cache and the firewall
 * validates, plans, rehearses and provisions on the local cloud (IAM enforced), and its services
 * are wired as described. In us-east-1: a firewall in front of CloudFront is a CLOUDFRONT-scoped
 * web ACL, which AWS WAF creates there only.
 */
const PROJECT = BIG_PROJECT;
let world: E2eWorld;
let zoneId: string;

beforeAll(async () => {
  const sd = await startStackdrop({
    region: 'us-east-1',
    speed: 'instant',
    quotas: SEVERAL_PROJECTS_QUOTAS,
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
  });
  const session = new LocalSession(sd);
  world = {
    sd,
    session,
    stop: async () => {
      session.destroy();
      await sd.stop();
    },
  };
  zoneId = sd.cloud.route53.createHostedZone({ Name: 'example.com', CallerReference: 'e2e-full' }).zone.Id;
  for (let i = 1; i <= 30; i++)
    sd.cloud.secretsManager.createSecret({
      Name: `stackdrop/${PROJECT}/${ENVIRONMENT}/SECRET_${String(i).padStart(2, '0')}`,
      SecretString: `s${i}`,
    });
}, 120_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

describe('the largest manifest issue 15 names, end to end', () => {
  it('provisions, with every service wired: arm64, 60 variables, 30 secrets, cache, CDN, key, certificate, firewall', async () => {
    const doc = await provision(world, PROJECT, manifestText());
    expect(doc.phase, JSON.stringify(doc).slice(0, 2000)).toBe('ready');
    const cloud = world.sd.cloud;

    // 20 workers + web + scheduler services, each task definition arm64 with the full wiring.
    const families = [...cloud.ecs.taskDefinitions.values()].map((revisions) => revisions.at(-1)!);
    const mine = families.filter((td) => td.family.startsWith(`stackdrop-${PROJECT}-`));
    const services = [...cloud.ecs.services.values()].filter((s) => s.clusterArn.includes(PROJECT));
    expect(services).toHaveLength(22);
    expect(mine.length).toBeGreaterThanOrEqual(23);
    type Named = { name: string; value?: string };
    for (const td of mine) {
      expect(
        (td.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture,
        td.family,
      ).toBe('ARM64');
      const container = td.containerDefinitions[0]! as { environment?: Named[]; secrets?: Named[] };
      const env = new Map((container.environment ?? []).map((e) => [e.name, e.value]));
      expect([...env.keys()].filter((n) => n.startsWith('SETTING_'))).toHaveLength(60);
      expect(env.get('REDIS_SCHEME')).toBe('tls');
      expect(env.get('REDIS_HOST')).toMatch(/cache\.amazonaws\.com$/);
      expect(env.get('ASSET_URL')).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net\/assets$/);
      expect((container.secrets ?? []).filter((s) => s.name.startsWith('SECRET_'))).toHaveLength(30);
    }

    // The domain: certificate issued through the zone, alias record to the CDN or the load balancer.
    const certificate = [...cloud.acm.certificates.values()].find(
      (c) => c.domainName === 'bigshop.example.com',
    );
    expect(certificate?.status).toBe('ISSUED');
    expect(
      cloud.route53.records(zoneId).some((r) => r.Name === 'bigshop.example.com.' && r.Type === 'A'),
    ).toBe(true);
    expect([...cloud.cloudfront.distributions.values()]).toHaveLength(1);
    // The firewall in front of CloudFront.
    expect([...cloud.wafv2.webAcls.values()].map((a) => a.Scope)).toEqual(['CLOUDFRONT']);
    // The created key encrypts the database; the cache runs in the database stage.
    const keys = [...cloud.kms.keys.values()].filter((k) => k.KeyManager === 'CUSTOMER');
    expect(keys).toHaveLength(1);
    expect([...cloud.rds.clusters.values()][0]?.KmsKeyId).toContain(keys[0]!.KeyId);
    expect([...cloud.elastiCache.caches.values()]).toHaveLength(1);
  }, 600_000);
});
