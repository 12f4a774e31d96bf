import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalClock } from '#cli/context.ts';
import { harness } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, manifestFor, startWorld } from './helpers.ts';

/**
 * `plan --live`'s preflight against the local cloud running stackdrop: RDS's engine tables and
 * orderable options, the minimal ACM, Secrets Manager, the Service Quotas API with the local
 * quotas, and ECR tags — the same calls AWS answers.
 */

let world: E2eWorld;
let secretArn: string;
let certificateArn: string;

beforeAll(async () => {
  world = await startWorld();
  secretArn = world.sd.cloud.secretsManager.createSecret({
    Name: 'stackdrop/shop/production/APP_KEY',
    SecretString: 'x',
  }).ARN;
  certificateArn = world.sd.cloud.acm.requestCertificate('shop.example.com', ['www.shop.example.com']);
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

function cli() {
  return harness(
    { localClock: readLocalClock, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 15))) },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
}

function manifest(): string {
  return manifestFor('shop', [
    [
      /arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop\/shop\/production\/APP_KEY-AbCdEf/,
      secretArn,
    ],
    [/ {2}certificateArn: .*/, `  redirectWww: true\n  certificateArn: ${certificateArn}`],
  ]);
}

describe('plan --live preflight on the local cloud', () => {
  it('fails while the certificate awaits validation, saying how to fix it, exit 1', async () => {
    const h = cli();
    writeFileSync(join(h.deps.cwd, 'shop.yaml'), manifest());
    const result = await h.run('--local', 'plan', 'shop.yaml', '--live');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ certificate: the certificate is PENDING_VALIDATION, not ISSUED');
    expect(result.stdout).toContain('fix: finish its DNS validation');
    expect(result.stdout).toContain(
      '✓ engine version: aurora-mysql 8.0.mysql_aurora.3.10.3 on db.t4g.medium is orderable in eu-west-1',
    );
    expect(result.stdout).toContain('✓ secret APP_KEY: exists');
    expect(result.stdout).toContain('✓ repository: shop-production does not exist yet');
  }, 60_000);

  it('passes once the certificate is issued, exit 0', async () => {
    world.sd.cloud.acm.issue(certificateArn);
    const h = cli();
    writeFileSync(join(h.deps.cwd, 'shop.yaml'), manifest());
    const result = await h.run('--local', 'plan', 'shop.yaml', '--live', '--json');
    expect(result.code).toBe(0);
    const checks = JSON.parse(result.stdout).preflight as { check: string; ok: boolean }[];
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.check)).toContain('quota VPCs per Region');
    expect(checks.find((c) => c.check === 'quota Fargate On-Demand vCPU resource count')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/ of 4000 \(L-3032A538\)$/),
    });
  }, 60_000);

  it('fails a quota the local cloud enforces, with the quota code and the increase to ask for', async () => {
    const vpcs = world.sd.cloud.ec2.vpcs.size;
    world.sd.cloud.quotas.set('vpcsPerRegion', vpcs);
    const h = cli();
    writeFileSync(join(h.deps.cwd, 'shop.yaml'), manifest());
    const result = await h.run('--local', 'plan', 'shop.yaml', '--live');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `✗ quota VPCs per Region: ${vpcs} in use + 1 new VPC of ${vpcs} (L-F678F1CE)`,
    );
    expect(result.stdout).toContain('--service-code vpc --quota-code L-F678F1CE');
  }, 60_000);

  it('fails a secret that does not exist', async () => {
    const h = cli();
    writeFileSync(
      join(h.deps.cwd, 'shop.yaml'),
      manifest().replace(
        secretArn,
        'arn:aws:secretsmanager:eu-west-1:000000000000:secret:stackdrop/shop/production/APP_KEY-ZzZzZz',
      ),
    );
    const result = await h.run('--local', 'plan', 'shop.yaml', '--live');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ secret APP_KEY: .* cannot be read \(ResourceNotFoundException/);
  }, 60_000);

  it('fails a secret under a customer-managed KMS key the execution role may not use, then passes once the manifest lists the key', async () => {
    // A customer-managed key that exists (the local KMS refuses a secret under an unknown key).
    const key = world.sd.cloud.kms.createKey({ Description: 'mail secrets' }).Arn;
    const encrypted = world.sd.cloud.secretsManager.createSecret({
      Name: 'stackdrop/shop/production/MAIL_PASSWORD',
      SecretString: 'x',
      KmsKeyId: key,
    }).ARN;
    const h = cli();
    const text = manifest().replace(/^( {4}APP_KEY: .*)$/m, `$1\n    MAIL_PASSWORD: ${encrypted}`);
    writeFileSync(join(h.deps.cwd, 'shop.yaml'), text);
    const refused = await h.run('--local', 'plan', 'shop.yaml', '--live');
    expect(refused.stderr).toBe('');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      `✗ secret MAIL_PASSWORD: exists, but it is encrypted with the customer-managed key ${key} and the execution role (as it will be written) would be refused kms:Decrypt (implicitDeny)`,
    );
    expect(refused.stdout).toContain(`fix: add ${key} to app.secretsKmsKeyArns`);

    writeFileSync(
      join(h.deps.cwd, 'shop.yaml'),
      text.replace(/^( {2}secrets:)$/m, `  secretsKmsKeyArns: [${key}]\n$1`),
    );
    const granted = await h.run('--local', 'plan', 'shop.yaml', '--live');
    expect(granted.stdout).toContain(
      `✓ secret MAIL_PASSWORD: exists, and the execution role (as it will be written) may read it and decrypt it with ${key}`,
    );
  }, 60_000);
});
