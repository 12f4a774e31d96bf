import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseManifest } from '#shared/manifest/index.ts';
import { harness, VALID_MANIFEST } from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);

const BAD_MANIFEST = `version: 1
project: Acme
network:
  cidr: 10.0.0.0/33
  natGateway: 2
app:
  allowPlainHttp: true
`;

beforeEach(() => {
  cfn.reset();
  s3.reset();
});

describe('stackdrop validate', () => {
  it('accepts a valid manifest, exit 0, without any AWS call', async () => {
    // Prepare
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    // Act
    const result = await h.run('validate', 'acme.yaml');
    // Assess
    expect(result).toEqual({ code: 0, stdout: '✓ acme.yaml is valid: acme/production\n', stderr: '' });
    expect(cfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('lists every problem with file:line:col, path and hint, exit 1', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'bad.yaml'), BAD_MANIFEST);
    const result = await h.run('validate', 'bad.yaml');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatchInlineSnapshot(`
      "✗ bad.yaml: 3 problems
      bad.yaml:2:10: project: "Acme" is not valid: expected lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, 2–31 characters
        hint: Project name: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, 2–31 characters (it names the Aurora cluster, whose identifier allows no trailing or doubled hyphen)
      bad.yaml:4:9: network.cidr: "10.0.0.0/33" is not valid: expected an IPv4 CIDR such as 10.40.0.0/16
        hint: VPC CIDR in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), /16 to /23, host bits zero, e.g. 10.40.0.0/16
      bad.yaml:5:3: network.natGateway: unknown key "natGateway"
        hint: did you mean natGateways?
      "
    `);
  });

  it("reports AWS's limits on the synthesised app template at the manifest location, before any AWS call", async () => {
    // Prepare: 130 workers (4 resources each) exceed CloudFormation's 500 resources per template.
    const h = harness();
    const workers = Array.from({ length: 130 }, (_, i) => `    - { name: w${i}, command: [php] }`).join('\n');
    writeFileSync(
      join(h.deps.cwd, 'many.yaml'),
      `version: 1\nproject: acme\napp:\n  allowPlainHttp: true\n  workers:\n${workers}\n`,
    );

    // Act
    const result = await h.run('validate', 'many.yaml');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /many\.yaml:6:5: app\.workers: the app stage's template would have 5\d\d resources, more than CloudFormation's 500\n {2}hint: each worker adds 4 resources/,
    );
    expect(cfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('prints the problems as JSON with --json', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'bad.yaml'), BAD_MANIFEST);
    const result = await h.run('validate', 'bad.yaml', '--json');
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(body.ok).toBe(false);
    expect(body.file).toBe('bad.yaml');
    expect(body.problems).toHaveLength(3);
    expect(body.problems[0]).toEqual({
      file: 'bad.yaml',
      line: 2,
      col: 10,
      path: 'project',
      message: expect.any(String),
      hint: expect.any(String),
    });
  });

  it('prints the valid result as JSON with --json', async () => {
    const h = harness();
    writeFileSync(
      join(h.deps.cwd, 'acme.json'),
      JSON.stringify({ version: 1, project: 'acme', app: { allowPlainHttp: true } }),
    );
    const result = await h.run('validate', 'acme.json', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      file: 'acme.json',
      project: 'acme',
      environment: 'production',
      problems: [],
    });
  });

  it('explains a missing file, exit 1', async () => {
    const result = await harness().run('validate', 'nope.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      '✗ No manifest at nope.yaml: check the path, or create one with `stackdrop init`.\n',
    );
  });

  it('refuses a missing argument with usage help, exit 1', async () => {
    const result = await harness().run('validate');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing required argument 'manifest'/);
  });
});

describe('stackdrop init', () => {
  it('writes a starter manifest that the parser accepts', async () => {
    const h = harness();
    const result = await h.run('init', '--project', 'shop', '--environment', 'staging');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote stackdrop.yaml for shop/staging');
    const parsed = parseManifest(readFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'utf8'), 'stackdrop.yaml');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.manifest).toMatchObject({
        project: 'shop',
        environment: 'staging',
        database: { engine: 'aurora-mysql' },
      });
    }
  });

  it('writes the domain and certificate when given, still valid', async () => {
    const h = harness();
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const result = await h.run(
      'init',
      '--project',
      'shop',
      '--domain',
      'shop.example.com',
      '--certificate-arn',
      arn,
      '--engine',
      'aurora-postgresql',
      '-o',
      'shop.yaml',
    );
    expect(result.code).toBe(0);
    const parsed = parseManifest(readFileSync(join(h.deps.cwd, 'shop.yaml'), 'utf8'), 'shop.yaml');
    expect(parsed.ok && parsed.manifest.app).toMatchObject({
      domain: 'shop.example.com',
      certificateArn: arn,
    });
    expect(parsed.ok && parsed.manifest.database.engine).toBe('aurora-postgresql');
  });

  it('refuses values that would make the manifest invalid, and writes nothing', async () => {
    const h = harness();
    const result = await h.run('init', '--project', 'Bad_Name');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /These values would not make a valid manifest, so nothing was written:\n {2}project: /,
    );
    expect(() => readFileSync(join(h.deps.cwd, 'stackdrop.yaml'))).toThrow();
  });

  it('refuses a domain without a certificate', async () => {
    const result = await harness().run('init', '--project', 'shop', '--domain', 'shop.example.com');
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--domain needs --certificate-arn/),
    });
  });

  it('refuses to overwrite an existing file without --force', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'mine\n');
    const refused = await h.run('init', '--project', 'shop');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/stackdrop\.yaml already exists: pass --force/);
    expect(readFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'utf8')).toBe('mine\n');
    const forced = await h.run('init', '--project', 'shop', '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'utf8')).toContain('project: shop');
  });

  it('asks for what is missing on a terminal', async () => {
    const questions: string[] = [];
    const answers = [
      'acme',
      '',
      'shop.example.com',
      'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
    ];
    const h = harness({
      prompt: async (q) => {
        questions.push(q);
        return answers.shift() ?? '';
      },
    });
    const result = await h.run('init');
    expect(result.code).toBe(0);
    expect(questions).toEqual([
      'Project name (e.g. acme): ',
      'Environment [production]: ',
      'Domain (blank for none): ',
      'ACM certificate ARN for the domain (blank to serve without a domain): ',
    ]);
    const text = readFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'utf8');
    expect(text).toContain('project: acme');
    expect(text).toContain('domain: shop.example.com');
  });

  it('checks each answer as it is typed and asks again, keeping the good ones', async () => {
    // Prepare: a bad project name, then a good one; a bad environment, then the default.
    const questions: string[] = [];
    const answers = ['Acme_Shop', 'acme', 'prod-1', '', 'Shop.Example', 'shop.example.com', 'not-an-arn', ''];
    const h = harness({
      prompt: async (q) => {
        questions.push(q);
        return answers.shift() ?? '';
      },
    });
    // Act
    const result = await h.run('init');
    // Assess
    expect(result.code).toBe(0);
    expect(questions).toEqual([
      'Project name (e.g. acme): ',
      'Project name (e.g. acme): ',
      'Environment [production]: ',
      'Environment [production]: ',
      'Domain (blank for none): ',
      'Domain (blank for none): ',
      'ACM certificate ARN for the domain (blank to serve without a domain): ',
      'ACM certificate ARN for the domain (blank to serve without a domain): ',
    ]);
    expect(result.stderr).toContain('"Acme_Shop": lower-case letters, digits and single hyphens');
    expect(result.stderr).toContain('"prod-1": lower-case letters and digits');
    expect(result.stderr).toContain('"not-an-arn": an ACM certificate ARN. Try again.');
    expect(result.stderr).not.toMatch(/--project|--certificate-arn|stackdrop\.yaml:/);
    const text = readFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'utf8');
    expect(text).toContain('project: acme');
    expect(text).toContain('environment: production');
    expect(text).not.toMatch(/^ {2}domain: /m);
  });

  it('refuses an existing file before asking anything', async () => {
    const h = harness({
      prompt: async () => {
        throw new Error('must not ask');
      },
    });
    writeFileSync(join(h.deps.cwd, 'stackdrop.yaml'), 'mine\n');
    const result = await h.run('init');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stackdrop.yaml already exists: pass --force');
  });

  it('after five wrong answers gives up with a command that keeps the answers so far', async () => {
    const answers = ['acme', '', 'x', 'x', 'x', 'x', 'x'];
    const h = harness({ prompt: async () => answers.shift() ?? '' });
    const result = await h.run('init');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'No valid domain after 5 tries: your answers so far are kept in this command: stackdrop init --project acme --environment production',
    );
  });

  it('without a terminal, asks for --project instead of prompting', async () => {
    const result = await harness().run('init');
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/Pass --project <name>/) });
  });
});

describe('stackdrop --help', () => {
  it('shows examples and exit codes, exit 0', async () => {
    const result = await harness().run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(
      'Exit codes: 0 ok, 1 user error, 2 failed operation, 3 endpoint unreachable.',
    );
  });

  it('shows examples for every command', async () => {
    const h = harness();
    for (const command of [
      ['init'],
      ['validate'],
      ['plan'],
      ['deploy'],
      ['status'],
      ['deploys'],
      ['rollback'],
      ['bastion'],
      ['bastion', 'open'],
      ['bastion', 'list'],
      ['bastion', 'close'],
      ['destroy'],
      ['rehearse'],
    ]) {
      const result = await h.run(...command, '--help');
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(/Examples:\n {2}\$ stackdrop /);
    }
  });
});
