import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentWaves, runDemo } from '#cli/demo.ts';

function capture(options: Parameters<typeof runDemo>[0] = {}): { code: number; text: string } {
  let text = '';
  const code = runDemo({ env: {}, tty: false, ...options, write: (t) => (text += t) });
  return { code, text };
}

describe('npm start preview', () => {
  it('says it is a preview, then lists the four stacks in deployment order', () => {
    // Act
    const { code, text } = capture();

    // Assess
    expect(code).toBe(0);
    expect(text.split('\n').slice(0, 4).join(' ')).toMatch(
      /This is a preview.*local cloud.*replaces this preview/,
    );
    expect(text).toContain('examples/laravel/stackdrop.yaml is a valid manifest');
    expect(text).toContain('Stacks, in order: network → database ∥ edge → app');
    const order = ['network', 'database', 'edge', 'app'].map((stage) =>
      text.indexOf(`: stackdrop-acme-production-${stage}\n`),
    );
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows parameters, tags, dependencies and the outputs later stages wait for', () => {
    // Act
    const { text } = capture();

    // Assess
    expect(text).toMatch(/VpcCidr\s+10\.40\.0\.0\/16/);
    expect(text).toMatch(/ReleaseCommand\s+\[php, artisan, migrate, --force\]/);
    expect(text).toMatch(/WriterEndpoint\s+<database\.WriterEndpoint>\s+← output of the database stack/);
    expect(text).toMatch(/needs\s+network, database, edge/);
    expect(text).toContain(
      'stackdrop:project=acme, stackdrop:environment=production, stackdrop:managed=true',
    );
    expect(text).not.toMatch(/Worker2Name/);
  });

  it('prints no escape codes without a terminal or with NO_COLOR', () => {
    expect(capture({ tty: false }).text).not.toContain('\u001b[');
    expect(capture({ tty: true, env: { NO_COLOR: '1' } }).text).not.toContain('\u001b[');
    expect(capture({ tty: true, env: {} }).text).toContain('\u001b[');
  });

  it('prints every problem of an invalid manifest and exits 1', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'stackdrop-demo-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'version: 1\nproject: acme\ndatabase: { readers: 2 }\nnetwork: { cidr: 10.40.1.0/16 }\n',
    );

    // Act
    const { code, text } = capture({ manifest: file });

    // Assess
    expect(code).toBe(1);
    expect(text).toMatch(/bad\.yaml:3:22: database\.readers: 2 readers do not fit/);
    expect(text).toMatch(/bad\.yaml:4:18: network\.cidr: 10\.40\.1\.0\/16 has host bits set\n {2}hint: /);
    expect(text).not.toContain('Stacks, in order');
  });

  it('runs as `node cli/demo.ts` and exits 0', () => {
    // Act
    const run = spawnSync(process.execPath, ['cli/demo.ts'], {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('stackdrop-acme-production-app');
  });
});

describe('deployment waves', () => {
  it('groups stages that only need earlier waves', () => {
    expect(
      deploymentWaves([
        { stage: 'network', dependsOn: [] },
        { stage: 'database', dependsOn: ['network'] },
        { stage: 'edge', dependsOn: ['network'] },
        { stage: 'app', dependsOn: ['network', 'database', 'edge'] },
      ]),
    ).toEqual([['network'], ['database', 'edge'], ['app']]);
  });

  it('refuses a dependency cycle instead of looping', () => {
    expect(() =>
      deploymentWaves([
        { stage: 'edge', dependsOn: ['app'] },
        { stage: 'app', dependsOn: ['edge'] },
      ]),
    ).toThrow(/cycle/);
  });
});
