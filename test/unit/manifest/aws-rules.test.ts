import { describe, expect, it } from 'vitest';
import { arnStructureProblems } from '#shared/aws-rules/arn.ts';
import { deploymentRegionProblems } from '#shared/manifest/aws-checks.ts';
import { parseManifest } from '#shared/manifest/index.ts';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Problems of a manifest, leaving out the HTTPS rule's (these cases are about AWS's rules). */
function messages(yaml: string): string[] {
  const result = parseManifest(`version: 1\nproject: acme\n${yaml}`, 'a.yaml');
  return result.ok
    ? []
    : result.problems
        .filter((p) => !p.message.startsWith('no certificate:'))
        .map((p) => `${p.path}: ${p.message}`);
}

describe('validate refuses what AWS refuses', () => {
  it.each([['db.t2.micro'], ['db.t3.micro'], ['db.t3.small'], ['db.m5.large']])(
    'refuses the instance class %s, which Aurora does not offer',
    (cls) => {
      expect(messages(`database: { instanceClass: ${cls} }`)).toEqual([
        `database.instanceClass: ${cls} is not an instance class Aurora offers for Aurora MySQL`,
      ]);
    },
  );

  it('accepts the classes Aurora offers', () => {
    for (const cls of ['db.t4g.medium', 'db.t3.medium', 'db.r6g.large', 'db.r7g.large', 'db.r8g.xlarge'])
      expect(messages(`database: { instanceClass: ${cls} }`)).toEqual([]);
  });

  it('refuses an engine version AWS does not offer, naming the newest', () => {
    const [problem] = messages('database: { engineVersion: 8.0.mysql_aurora.3.05.2 }');
    expect(problem).toBe(
      'database.engineVersion: 8.0.mysql_aurora.3.05.2 is not an Aurora MySQL version AWS offers for new clusters',
    );
    expect(messages('database: { engine: aurora-postgresql, engineVersion: "16.99" }')[0]).toContain(
      'is not an Aurora PostgreSQL version',
    );
  });

  it('accepts auto-pause on versions that can pause, and refuses a retired version that could not', () => {
    // Every version AWS still offers can pause (table read 2026-12-07); 14.10 could not and is retired.
    expect(
      messages(
        'database: { engine: aurora-postgresql, engineVersion: "16.6", readers: 0, serverless: { minCapacity: 0, maxCapacity: 4 } }',
      ),
    ).toEqual([]);
    expect(
      messages(
        'database: { engine: aurora-postgresql, engineVersion: "14.10", readers: 0, serverless: { minCapacity: 0, maxCapacity: 4 } }',
      ),
    ).toEqual([
      'database.engineVersion: 14.10 is not an Aurora PostgreSQL version AWS offers for new clusters',
    ]);
  });

  it('refuses reserved words and system databases as the database name', () => {
    expect(messages('database: { databaseName: select }')).toEqual([
      'database.databaseName: select is a reserved word of Aurora MySQL: RDS refuses it as the database name',
    ]);
    expect(messages('database: { databaseName: mysql }')).toEqual([
      'database.databaseName: mysql is a database Aurora MySQL already has',
    ]);
    expect(messages('database: { engine: aurora-postgresql, databaseName: postgres }')).toEqual([
      'database.databaseName: postgres is a database Aurora PostgreSQL already has',
    ]);
    expect(messages('database: { databaseName: shop }')).toEqual([]);
  });

  it.each([
    [
      'arn:aws:acm:eu-west1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      'Region "eu-west1" is not a Region code',
    ],
    [
      'arn:aws:acm:eu-west-1:12345678901:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      'account "12345678901" is not a 12-digit',
    ],
    [
      'arn:aws-cn:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      'Region eu-west-1 belongs to partition aws, not aws-cn',
    ],
    [
      'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      'the resource part must be certificate/<certificate id>',
    ],
    [
      'arn:aws:iam:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
      'an ACM certificate ARN',
    ],
  ])('refuses the certificate ARN %s', (arn, fragment) => {
    expect(messages(`app: { domain: shop.example.com, certificateArn: "${arn}" }`).join('\n')).toContain(
      fragment,
    );
  });

  it('refuses a secret ARN with a malformed Region', () => {
    expect(
      messages(
        'app:\n  secrets:\n    APP_KEY: arn:aws:secretsmanager:eu-west1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf\n',
      ).join('\n'),
    ).toContain('Region "eu-west1" is not a Region code');
  });

  it('accepts well-formed ARNs of every partition', () => {
    expect(arnStructureProblems('arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts', ['sns'])).toEqual([]);
    expect(arnStructureProblems('arn:aws-cn:ssm:cn-north-1:123456789012:parameter/app/key', ['ssm'])).toEqual(
      [],
    );
    expect(messages(`app: { domain: shop.example.com, certificateArn: "${CERT}" }`)).toEqual([]);
  });

  it('refuses a certificate from another Region than the deployment', () => {
    expect(deploymentRegionProblems({ app: { certificateArn: CERT } }, 'us-east-1', 'a.yaml')).toEqual([
      expect.objectContaining({
        path: 'app.certificateArn',
        message: 'the certificate is in eu-west-1, but this deployment is in us-east-1',
      }),
    ]);
    expect(deploymentRegionProblems({ app: { certificateArn: CERT } }, 'eu-west-1', 'a.yaml')).toEqual([]);
    expect(deploymentRegionProblems({ app: { certificateArn: CERT } }, undefined, 'a.yaml')).toEqual([]);
  });
});

describe('the deployment Region in the CLI and in load-manifest', () => {
  it('validate --region refuses a certificate from another Region, exit 1', async () => {
    const { harness } = await import('#test/unit/cli/helpers.ts');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const h = harness();
    writeFileSync(
      join(h.deps.cwd, 'acme.yaml'),
      `version: 1\nproject: acme\napp: { domain: shop.example.com, certificateArn: "${CERT}" }\n`,
    );
    const elsewhere = await h.run('--region', 'us-east-1', 'validate', 'acme.yaml');
    const here = await h.run('--region', 'eu-west-1', 'validate', 'acme.yaml');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(
      'acme.yaml: app.certificateArn: the certificate is in eu-west-1, but this deployment is in us-east-1',
    );
    expect(here.code).toBe(0);
  });
});
