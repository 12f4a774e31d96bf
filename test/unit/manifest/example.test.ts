import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '#shared/manifest/index.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'examples', 'laravel');
const read = (file: string) => readFileSync(join(dir, file), 'utf8');

function exampleManifest() {
  const result = parseManifest(readFileSync(join(dir, 'stackdrop.yaml')), 'examples/laravel/stackdrop.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.manifest;
}

describe('examples/laravel/stackdrop.yaml', () => {
  it('is a valid manifest describing the documented setup', () => {
    // Act
    const m = exampleManifest();

    // Assess
    expect(m).toMatchObject({
      project: 'acme',
      environment: 'production',
      network: { availabilityZones: 2 },
      database: { engine: 'aurora-mysql', readers: 1 },
      app: {
        release: ['php', 'artisan', 'migrate', '--force'],
        scheduler: true,
        healthCheckPath: '/up',
        repository: 'acme-production',
      },
      bastion: { access: 'ssm' },
    });
    expect(m.app.web.autoscaling).toBeDefined();
    expect(m.app.workers).toHaveLength(1);
    expect(Object.keys(m.app.secrets)).toEqual(['APP_KEY']);
  });

  it('points editors at the generated JSON Schema', () => {
    expect(read('stackdrop.yaml').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../schema/manifest.v1.json',
    );
    expect(() => readFileSync(join(dir, '..', '..', 'schema', 'manifest.v1.json'))).not.toThrow();
  });
});

describe('examples/laravel image', () => {
  const dockerfile = read('Dockerfile');
  const nginx = read('docker/nginx.conf');
  const fpm = read('docker/php-fpm.conf');
  const supervisord = read('docker/supervisord.conf');

  it('listens on the port the manifest gives the load balancer', () => {
    const port = exampleManifest().app.web.port;
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(nginx).toMatch(new RegExp(`listen ${port} default_server;`));
  });

  it('runs its final stage as a non-root user', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER (\S+)$/m.exec(finalStage)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('uses PHP 8.3 with php-fpm on a Debian slim base, in several stages', () => {
    expect(dockerfile).toMatch(/^ARG PHP_VERSION=8\.3$/m);
    expect(dockerfile).toMatch(/^FROM php:\$\{PHP_VERSION\}-fpm-bookworm AS base$/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/composer install --no-dev/);
  });

  it('copies every configuration file it names, and they exist', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?:--chmod=\S+ )?(docker\/\S+)/gm)].map((m) => m[1]!);
    expect(copied.sort()).toEqual([
      'docker/entrypoint.sh',
      'docker/nginx.conf',
      'docker/php-fpm.conf',
      'docker/php.ini',
      'docker/supervisord.conf',
    ]);
    for (const file of copied) expect(() => read(file)).not.toThrow();
  });

  it('serves the health route through Laravel and keeps it out of the access log', () => {
    const path = exampleManifest().app.healthCheckPath;
    expect(nginx).toMatch(
      new RegExp(`location = ${path} \\{\\s+access_log off;\\s+try_files \\$uri /index.php`),
    );
  });

  it('logs to stdout/stderr only, and passes the task environment to PHP', () => {
    expect(nginx).toMatch(/^error_log stderr/m);
    expect(nginx).toMatch(/access_log \/dev\/stdout/);
    expect(fpm).toMatch(/^error_log = \/proc\/self\/fd\/2$/m);
    expect(fpm).toMatch(/^clear_env = no$/m);
    expect(fpm).toMatch(/^decorate_workers_output = no$/m);
    expect(supervisord).toMatch(/^logfile=\/dev\/null$/m);
    expect(supervisord.match(/_logfile=\/dev\/std(out|err)$/gm)?.length).toBe(4);
  });

  it('keeps nginx and supervisord files where a non-root user may write', () => {
    expect(nginx).toMatch(/^pid \/tmp\//m);
    expect(nginx).not.toMatch(/^user /m);
    expect(supervisord).toMatch(/^pidfile=\/tmp\//m);
    expect(supervisord).not.toMatch(/^user=/m);
  });
});
