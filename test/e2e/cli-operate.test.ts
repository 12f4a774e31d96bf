import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalClock } from '#cli/context.ts';
import { readScaling } from '#shared/scaling.ts';
import { harness, type Run } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

/**
 * The day-2 commands (logs, run, …) end to end: stackdrop deployed from template.yaml on a local
 * cloud, one project provisioned, checked before its first deploy and after it. The CLI reads the
 * local cloud's virtual clock (instant speed), so "the last hour" is simulated time.
 */

let world: E2eWorld;

function cli(endpoint = world.sd.endpoint, stdin?: string) {
  return harness(
    {
      readStdin: async () => stdin,
      localClock: readLocalClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 15))),
    },
    { env: { STACKDROP_ENDPOINT: endpoint } },
  );
}

const stackdrop = (...args: string[]): Promise<Run> => cli().run('--local', ...args);
const piped = (stdin: string, ...args: string[]): Promise<Run> =>
  cli(world.sd.endpoint, stdin).run('--local', ...args);
const offline = (...args: string[]): Promise<Run> => cli('http://127.0.0.1:9').run('--local', ...args);

beforeAll(async () => {
  world = await startWorld();
  const doc = await provision(world, 'shop');
  if (doc.phase !== 'ready') throw new Error(`shop did not provision: ${JSON.stringify(doc.error)}`);
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

describe('before the first deploy', () => {
  it('logs says no container has run yet, exit 0, and --json says deployed: false', async () => {
    const text = await stackdrop('logs', 'shop');
    const json = await stackdrop('logs', 'shop', '--json');

    expect(text).toMatchObject({ code: 0, stdout: '' });
    expect(text.stderr).toMatch(/no deploy, so no container has run\. Push an image/);
    expect(JSON.parse(json.stdout)).toMatchObject({
      project: 'shop',
      environment: ENVIRONMENT,
      logGroupName: '/stackdrop/shop/production/app',
      deployed: false,
      lines: [],
    });
  });

  it('metrics shows every series with no data yet and says there is no deploy', async () => {
    const result = await stackdrop('metrics', 'shop', '--json');
    const text = await stackdrop('metrics', 'shop');

    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.deployed).toBe(false);
    expect(out.series.find((x: { id: string }) => x.id === 'requests').values).toEqual([]);
    expect(text.stdout).toMatch(/^requests +\s+no data/m);
    expect(text.stderr).toMatch(/No deploy yet/);
  });

  it('exec refuses with exit 1 before the first deploy: no task to open a shell in', async () => {
    const result = await stackdrop('exec', 'shop');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has no deploy yet, so no task is running to open a shell in/);
  });

  it('scale refuses with exit 1 before the first deploy: nothing runs yet', async () => {
    const result = await stackdrop('scale', 'shop', 'web=3');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/has no deploy yet: its services run no tasks/);
  });

  it('secrets work before the first deploy: set from --from-file as is, list, --json, remove; --roll has nothing to roll', async () => {
    const { cloud } = world.sd;
    const file = join(mkdtempSync(join(tmpdir(), 'stackdrop-secret-')), 'token.txt');
    writeFileSync(file, 'line one\nline two\n');

    const set = await stackdrop(
      'secrets',
      'set',
      'shop',
      'EARLY_TOKEN',
      '--from-file',
      file,
      '--roll',
      '--json',
    );
    const list = await stackdrop('secrets', 'list', 'shop', '--json');
    const removed = await stackdrop('secrets', 'remove', 'shop', 'EARLY_TOKEN', '--force', '--json');

    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'EARLY_TOKEN', created: true, rolled: [] });
    expect(JSON.parse(list.stdout).secrets.map((r: { name: string }) => r.name)).toEqual(['EARLY_TOKEN']);
    expect(list.stdout).not.toContain('line one');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({
      project: 'shop',
      name: 'EARLY_TOKEN',
      arn: expect.stringMatching(/:secret:stackdrop\/shop\/production\/EARLY_TOKEN-/),
    });
    // --from-file keeps the file as it is (trailing newline included), unlike stdin.
    expect(() => cloud.secretsManager.secret('stackdrop/shop/production/EARLY_TOKEN')).toThrow();
    const text = await stackdrop('secrets', 'set', 'shop', 'EARLY_TOKEN', '--from-file', file, '--roll');
    expect(text.stdout).toMatch(/nothing to roll: the project has no deploy yet/);
    expect(cloud.secretsManager.getSecretValue('stackdrop/shop/production/EARLY_TOKEN').SecretString).toBe(
      'line one\nline two\n',
    );
    await stackdrop('secrets', 'remove', 'shop', 'EARLY_TOKEN', '--force');
  });

  it('run refuses with exit 1 and says why: there is no image yet', async () => {
    const before = world.sd.cloud.ecs.tasks.size;
    const result = await stackdrop('run', 'shop', '--', 'php', 'artisan', 'about');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^✗ shop\/production has no deploy yet, so there is no image to run the command in: push an image/,
    );
    expect(world.sd.cloud.ecs.tasks.size).toBe(before);
  });
});

describe('a missing project, an unreachable cloud, bad flags', () => {
  it('logs of an unknown project is a user error (exit 1) naming what to do', async () => {
    const result = await stackdrop('logs', 'nosuch');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^✗ stackdrop has no status for nosuch\/production: deploy its manifest first/,
    );
  });

  it('logs against an unreachable local cloud exits 3', async () => {
    const result = await offline('logs', 'shop');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^✗ Cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });

  it('run of an unknown project exits 1, and against an unreachable cloud exits 3', async () => {
    const missing = await stackdrop('run', 'nosuch', '--', 'php', 'artisan', 'about');
    const unreachable = await offline('run', 'shop', '--', 'php', 'artisan', 'about');
    expect([missing.code, unreachable.code]).toEqual([1, 3]);
    expect(missing.stderr).toMatch(/no status for nosuch\/production/);
  });

  it('refuses an unknown --service or --since before any call, exit 1', async () => {
    const service = await offline('logs', 'shop', '--service', 'cron');
    const since = await offline('logs', 'shop', '--since', 'yesterday');
    expect([service.code, since.code]).toEqual([1, 1]);
    expect(service.stderr).toMatch(
      /--service cron is not a service: use web, scheduler, release or worker:<name>/,
    );
    expect(since.stderr).toMatch(/--since yesterday is not a duration/);
  });
});

describe('after a deploy', () => {
  beforeAll(async () => {
    const { doc } = await pushAndWait(world, 'shop', 'v1');
    if (doc.deploys.at(-1)?.outcome !== 'succeeded') throw new Error('the deploy of v1 failed');
    // Let the services serve a few simulated minutes of traffic.
    await world.sd.cloud.clock.advance(5 * 60_000);
  }, 300_000);

  it('logs interleaves web, worker, scheduler and release lines by time with service and task', async () => {
    const result = await stackdrop('logs', 'shop', '--since', '2h', '--json');

    expect(result.code).toBe(0);
    const { lines } = JSON.parse(result.stdout) as {
      lines: Array<{ timestamp: number; service: string; task: string; message: string }>;
    };
    const services = new Set(lines.map((l) => l.service));
    expect([...services].sort()).toEqual(
      expect.arrayContaining(['release', 'scheduler', 'web', 'worker:default']),
    );
    expect(lines.map((l) => l.timestamp)).toEqual([...lines.map((l) => l.timestamp)].sort((a, b) => a - b));
    expect(lines.every((l) => /^[0-9a-f]{32}$/.test(l.task))).toBe(true);
    expect(lines.filter((l) => l.service === 'release').map((l) => l.message)).toContain(
      '   INFO  Running migrations.',
    );
    expect(lines.some((l) => l.service === 'web' && /"GET \/\S* HTTP\/1\.1" \d{3}/.test(l.message))).toBe(
      true,
    );
  });

  it('logs --service and --filter narrow the lines, in the text format', async () => {
    const web = await stackdrop('logs', 'shop', '--service', 'web', '--filter', 'HTTP/1.1');
    const worker = await stackdrop('logs', 'shop', '--service', 'worker:default', '--since', '2h');

    expect(web.code).toBe(0);
    const webLines = web.stdout.trim().split('\n');
    expect(webLines.length).toBeGreaterThan(5);
    for (const line of webLines) expect(line).toMatch(/^\S+Z web {12}[0-9a-f]{12} {2}.*HTTP\/1\.1/);
    expect(
      worker.stdout
        .trim()
        .split('\n')
        .every((l) => / worker:default /.test(l)),
    ).toBe(true);
  });

  it('logs --follow prints each new line once, in order, as NDJSON with --json', async () => {
    const result = await stackdrop(
      'logs',
      'shop',
      '--service',
      'web',
      '--since',
      '1m',
      '--follow',
      '--timeout',
      '3m',
      '--json',
    );

    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventId: string; timestamp: number });
    expect(lines.length).toBeGreaterThan(3);
    expect(new Set(lines.map((l) => l.eventId)).size).toBe(lines.length);
    expect(lines.map((l) => l.timestamp)).toEqual([...lines.map((l) => l.timestamp)].sort((a, b) => a - b));
  });
});

describe('run after a deploy', () => {
  it('runs a one-off task from the deployed web task definition and network, streams its output and exits 0', async () => {
    const { cloud } = world.sd;
    const doc = await world.session.status('shop', ENVIRONMENT);
    const web = [...cloud.ecs.services.values()].find((x) => x.serviceName === doc?.outputs.WebServiceName)!;

    const result = await stackdrop('run', 'shop', '--', 'php', 'artisan', 'migrate:status');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\$ php artisan migrate:status\n {2}Migration name \.+ Batch \/ Status\n/);
    expect(result.stdout).toMatch(/create_orders_table \.+ \[1\] Ran/);
    const task = [...cloud.ecs.tasks.values()].find((t) => t.startedBy === 'stackdrop-run')!;
    expect(task.taskDefinitionArn).toBe(web.deployments.find((d) => d.status === 'PRIMARY')!.taskDefinition);
    // The deployed digest (the newest succeeded deploy), with the web service's network.
    expect(cloud.ecs.taskDefinition(task.taskDefinitionArn).containerDefinitions[0]!.image).toMatch(
      new RegExp(`@${doc!.deploys.filter((d) => d.outcome === 'succeeded').at(-1)!.digest}$`),
    );
    expect(task.networkConfiguration).toEqual(
      web.deployments.find((d) => d.status === 'PRIMARY')!.networkConfiguration,
    );
    expect(task.overrides.containerOverrides).toEqual([
      { name: 'app', command: ['php', 'artisan', 'migrate:status'] },
    ]);
  });

  it('exits with the container exit code when the command fails, and --json carries it with the lines', async () => {
    world.sd.cloud.faults.failTask({ exitCode: 3, reason: 'Essential container in task exited' });

    const result = await stackdrop(
      'run',
      'shop',
      '--json',
      '--',
      'php',
      'artisan',
      'tinker',
      '--execute',
      'exit(3)',
    );

    expect(result.code).toBe(3);
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ exitCode: 3, taskId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(out.lines.map((l: { message: string }) => l.message)).toContain(
      '   ERROR  The command exited with code 3.',
    );
  });

  it('scale finds web autoscaling active at the manifest bounds right after the first deploy', async () => {
    const result = await stackdrop('scale', 'shop', '--min', '2', '--max', '10', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).webBounds).toEqual({ min: 2, max: 10 });
  });

  it('--detach prints the task id and returns while the task runs', async () => {
    const result = await stackdrop('run', 'shop', '--detach', '--', 'php', 'artisan', 'queue:retry', 'all');

    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const task = [...world.sd.cloud.ecs.tasks.values()].find((t) => t.taskArn.endsWith(id))!;
    expect(task.overrides.containerOverrides?.[0]?.command).toEqual(['php', 'artisan', 'queue:retry', 'all']);
    expect(result.stderr).toContain(`web/app/${id}`);

    const json = await stackdrop('run', 'shop', '--detach', '--json', '--', 'php', 'artisan', 'about');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
      cluster: 'stackdrop-shop-production',
      logGroup: '/stackdrop/shop/production/app',
      logStream: expect.stringMatching(/^web\/app\/[0-9a-f]{32}$/),
    });
  });
});

describe('secrets', () => {
  it('set takes the value from stdin, never argv; list shows names and versions, never values; remove schedules deletion', async () => {
    const { cloud } = world.sd;

    const created = await piped('base64:c2VjcmV0\n', 'secrets', 'set', 'shop', 'APP_KEY');
    const updated = await piped('base64:bmV3', 'secrets', 'set', 'shop', 'APP_KEY', '--json');
    await piped('sk_live_1', 'secrets', 'set', 'shop', 'STRIPE_SECRET');
    cloud.secretsManager.createSecret({
      Name: 'stackdrop/other/production/APP_KEY',
      SecretString: 'not shop',
    });
    const list = await stackdrop('secrets', 'list', 'shop');
    const listJson = await stackdrop('secrets', 'list', 'shop', '--json');
    const removed = await stackdrop('secrets', 'remove', 'shop', 'STRIPE_SECRET');

    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^✓ created stackdrop\/shop\/production\/APP_KEY \(version [0-9a-f-]{36}\)\n/,
    );
    expect(cloud.secretsManager.getSecretValue('stackdrop/shop/production/APP_KEY').SecretString).toBe(
      'base64:bmV3',
    );
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'APP_KEY', created: false, rolled: [] });
    expect(list.stdout).not.toMatch(/base64|sk_live|not shop/);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME +VERSIONS +CURRENT +LAST CHANGE$/);
    const rows = JSON.parse(listJson.stdout).secrets;
    expect(rows.map((r: { name: string; versions: number }) => [r.name, r.versions])).toEqual([
      ['APP_KEY', 2],
      ['STRIPE_SECRET', 1],
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/base64|sk_live/);
    expect(removed.stdout).toMatch(/scheduled for deletion on \S+Z/);
    expect(() => cloud.secretsManager.secret('stackdrop/shop/production/STRIPE_SECRET')).toThrow();
  });

  it('set --roll starts a new deployment of every service of a live project', async () => {
    const { cloud } = world.sd;
    const primary = () =>
      new Map(
        [...cloud.ecs.services.values()]
          .filter((x) => x.status === 'ACTIVE')
          .map((x) => [x.serviceName, x.deployments.find((d) => d.status === 'PRIMARY')?.id]),
      );
    const before = primary();

    const result = await piped('v2', 'secrets', 'set', 'shop', 'APP_KEY', '--roll', '--json');

    expect(result.code).toBe(0);
    const rolled = JSON.parse(result.stdout).rolled as string[];
    expect(rolled.length).toBeGreaterThanOrEqual(3);
    const after = primary();
    for (const name of rolled) expect(after.get(name)).not.toBe(before.get(name));
  });

  it('a manifest naming secret:NAME provisions with the full ARN, and refuses one that does not exist', async () => {
    const { cloud } = world.sd;
    const missing = await provision(
      world,
      'shop',
      manifestFor('shop', [[/APP_KEY: arn:aws:secretsmanager:\S+/, 'APP_KEY: secret:NOPE']]),
    );
    const ok = await provision(
      world,
      'shop',
      manifestFor('shop', [[/APP_KEY: arn:aws:secretsmanager:\S+/, 'APP_KEY: secret:APP_KEY']]),
    );

    expect(missing.phase).toBe('failed');
    expect(missing.errors).toEqual([
      expect.objectContaining({
        path: 'app.secrets.APP_KEY',
        message: 'secret:NOPE names stackdrop/shop/production/NOPE, which does not exist',
        hint: expect.stringMatching(/stackdrop secrets set shop NOPE/),
      }),
    ]);
    expect(ok.phase).toBe('ready');
    const arn = cloud.secretsManager.secret('stackdrop/shop/production/APP_KEY').ARN;
    const family = `stackdrop-shop-production-web`;
    const td = cloud.ecs.taskDefinition(family);
    const secrets = td.containerDefinitions[0]!.secrets as Array<{ name: string; valueFrom: string }>;
    expect(secrets).toContainEqual({ name: 'APP_KEY', valueFrom: arn });
    expect(arn).toMatch(/:secret:stackdrop\/shop\/production\/APP_KEY-[A-Za-z0-9_-]{6}$/);
  });

  it('refuses a value on argv-less terminals, bad names, unknown projects and an unreachable cloud', async () => {
    const noValue = await stackdrop('secrets', 'set', 'shop', 'APP_KEY');
    const badName = await piped('x', 'secrets', 'set', 'shop', 'app-key');
    const listMissing = await stackdrop('secrets', 'list', 'nosuch');
    const removeMissing = await stackdrop('secrets', 'remove', 'nosuch', 'APP_KEY');
    const unreachable = await Promise.all([
      offline('secrets', 'list', 'shop'),
      offline('secrets', 'remove', 'shop', 'APP_KEY'),
      cli('http://127.0.0.1:9', 'x').run('--local', 'secrets', 'set', 'shop', 'APP_KEY'),
    ]);

    expect([noValue.code, badName.code, listMissing.code, removeMissing.code]).toEqual([1, 1, 1, 1]);
    expect(unreachable.map((r) => r.code)).toEqual([3, 3, 3]);
    expect(noValue.stderr).toMatch(
      /standard input .* or with --from-file <file>; values never go on the command line/,
    );
    expect(badName.stderr).toMatch(/app-key is not a usable secret name/);
    expect(listMissing.stderr).toMatch(
      /no status for nosuch\/production and no secrets under stackdrop\/nosuch\/production\/: check the project name/,
    );
    expect(removeMissing.stderr).toMatch(/There is no secret stackdrop\/nosuch\/production\/APP_KEY/);
    expect([...world.sd.cloud.secretsManager.secrets.values()].some((x) => x.Name.includes('nosuch'))).toBe(
      false,
    );
  });

  it('a new project sets its secrets before its first provisioning, which then resolves secret:NAME', async () => {
    const set = await piped('base64:Zmlyc3Q=', 'secrets', 'set', 'fresh', 'APP_KEY');
    const listed = await stackdrop('secrets', 'list', 'fresh', '--json');
    const doc = await provision(
      world,
      'fresh',
      manifestFor('fresh', [[/APP_KEY: arn:aws:secretsmanager:\S+/, 'APP_KEY: secret:APP_KEY']]),
    );

    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(
      /fresh\/production has not been provisioned yet: the secret is ready for its first deploy/,
    );
    expect(JSON.parse(listed.stdout).secrets.map((r: { name: string }) => r.name)).toEqual(['APP_KEY']);
    expect(doc.phase).toBe('ready');
    const td = world.sd.cloud.ecs.taskDefinition('stackdrop-fresh-production-web');
    expect(td.containerDefinitions[0]!.secrets).toContainEqual({
      name: 'APP_KEY',
      valueFrom: world.sd.cloud.secretsManager.secret('stackdrop/fresh/production/APP_KEY').ARN,
    });
  }, 120_000);
});

describe('metrics after a deploy', () => {
  it('prints a sparkline, the latest value and the alarm state for every series', async () => {
    const result = await stackdrop('metrics', 'shop', '--since', '1h');

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('shop/production: last 1h (one point per 1 min)');
    const labels = lines.slice(1, -2).map((l) => l.split(/\s{2,}/)[0]);
    expect(labels).toEqual(
      expect.arrayContaining([
        'requests',
        '4xx',
        '5xx',
        'latency p50',
        'latency p95',
        'latency p99',
        'healthy hosts',
        'web CPU',
        'web memory',
        'queue depth',
        'oldest message age',
        'Aurora CPU',
        'Aurora connections',
        'DLQ depth',
      ]),
    );
    expect(result.stdout).toMatch(/^requests +[▁▂▃▄▅▆▇█ ]{40} +\d+/m);
    expect(result.stdout).toMatch(/^5xx .*(ok|ALARM) \(?Target5xxAlarm/m);
    expect(result.stdout).toMatch(/^latency p95 .* \d+ ms .*ResponseTimeAlarm/m);
    expect(result.stdout).toMatch(/^alarms: \d+ ok or waiting for data, \d+ firing/m);
  });

  it('the app stack created the dashboard stackdrop-shop-production over the series metrics prints', async () => {
    const app = world.sd.cloudFormation.findStack('stackdrop-shop-production-app')!;
    const dashboard = app.resources.get('Dashboard')!;
    const out = JSON.parse((await stackdrop('metrics', 'shop', '--json')).stdout) as {
      series: Array<{
        label: string;
        metricName: string;
        dimensions: Array<{ Name: string; Value: string }>;
      }>;
    };

    expect([dashboard.status, dashboard.properties.DashboardName]).toEqual([
      expect.stringMatching(/^(CREATE|UPDATE)_COMPLETE$/),
      'stackdrop-shop-production',
    ]);
    const body = JSON.parse(String(dashboard.properties.DashboardBody)) as {
      widgets: Array<{ properties: { metrics: unknown[][] } }>;
    };
    const onDashboard = body.widgets.flatMap((w) =>
      w.properties.metrics.map((e) => `${(e.at(-1) as { label: string }).label} ${e.slice(1, -1).join(' ')}`),
    );
    const printed = out.series.map(
      (x) => `${x.label} ${x.metricName} ${x.dimensions.flatMap((d) => [d.Name, d.Value]).join(' ')}`,
    );
    expect(printed.sort()).toEqual(onDashboard.sort());
  });

  it('--json gives the raw series: ascending timestamps, values, the latest value and alarms', async () => {
    const result = await stackdrop('metrics', 'shop', '--since', '30m', '--json');

    const out = JSON.parse(result.stdout);
    const requests = out.series.find((x: { id: string }) => x.id === 'requests');
    expect(out).toMatchObject({ project: 'shop', period: 60, deployed: true });
    expect(requests.values.length).toBeGreaterThan(5);
    expect(requests.timestamps).toEqual([...requests.timestamps].sort());
    expect(requests.latest).toBe(requests.values.at(-1));
    const healthy = out.series.find((x: { id: string }) => x.id === 'healthy');
    expect(healthy.latest).toBe(2);
    expect(out.alarms.length).toBeGreaterThanOrEqual(4);
  });

  it('follows the simulated traffic and deploys: web tasks answer slower and fail more in their first two minutes', async () => {
    // A roll starts new web tasks (as a deploy does); then ten quiet minutes.
    expect((await piped('base64:cm9sbA==', 'secrets', 'set', 'shop', 'APP_KEY', '--roll')).code).toBe(0);
    await world.sd.cloud.clock.advance(10 * 60_000);
    const out = JSON.parse((await stackdrop('metrics', 'shop', '--since', '20m', '--json')).stdout) as {
      period: number;
      series: Array<{ id: string; timestamps: string[]; values: number[] }>;
    };
    const half = (out.period * 1000) / 2;
    const cluster = 'stackdrop-shop-production';
    const starts = world.sd.cloud.containers.containers
      .filter((x) => x.cluster === cluster && x.taskGroup === 'service:web')
      .map((x) => x.startedAt);
    // A point whose middle falls in a web task's first two minutes (a deploy, a roll).
    const warming = (at: string) =>
      starts.some((s) => Date.parse(at) + half - s >= 0 && Date.parse(at) + half - s < 120_000);
    const points = (id: string) => {
      const x = out.series.find((y) => y.id === id)!;
      return new Map(x.timestamps.map((t, i) => [t, x.values[i]!]));
    };
    const p95 = points('p95');
    const requests = points('requests');
    const errors = points('errors5xx');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const split = (m: Map<string, number>, f: (t: string, v: number) => number = (_, v) => v) => ({
      warm: mean([...m].filter(([t]) => warming(t)).map(([t, v]) => f(t, v))),
      steady: mean([...m].filter(([t]) => !warming(t)).map(([t, v]) => f(t, v))),
    });

    const latency = split(p95);
    const errorRate = split(errors, (t, v) => v / Math.max(1, requests.get(t) ?? 0));

    expect([...p95.keys()].filter(warming).length).toBeGreaterThan(0);
    expect([...p95.keys()].filter((t) => !warming(t)).length).toBeGreaterThan(0);
    expect(latency.warm).toBeGreaterThan(1.5 * latency.steady);
    expect(errorRate.warm).toBeGreaterThan(errorRate.steady);
    expect(latency.steady).toBeGreaterThan(0.01);
    expect(latency.steady).toBeLessThan(2);
  });

  it('metrics of an unknown project exits 1, and against an unreachable cloud exits 3', async () => {
    const missing = await stackdrop('metrics', 'nosuch');
    const unreachable = await offline('metrics', 'shop');
    expect([missing.code, unreachable.code]).toEqual([1, 3]);
  });
});

describe('scale', () => {
  const service = (suffix: string) =>
    [...world.sd.cloud.ecs.services.values()].find(
      (x) => x.status === 'ACTIVE' && x.serviceName.endsWith(suffix),
    )!;

  it('sets desired counts, records them, and status shows them', async () => {
    const result = await stackdrop('scale', 'shop', 'web=4', 'worker:default=2', '--json');
    const status = await stackdrop('status', 'shop');
    const statusJson = JSON.parse((await stackdrop('status', 'shop', '--json')).stdout);

    expect(result.code).toBe(0);
    expect(service('web').desiredCount).toBe(4);
    expect(service('worker-default').desiredCount).toBe(2);
    expect(status.stdout).toMatch(
      /Scaled by `stackdrop scale` \(until the next provisioning\)\n {2}web {2}desired 4 {2}at \S+/,
    );
    expect(statusJson.scaling['worker:default']).toMatchObject({ desiredCount: 2 });
  });

  it('the next provisioning hands control back to the manifest and says so in the history', async () => {
    const doc = await provision(
      world,
      'shop',
      manifestFor('shop', [[/maxTtlMinutes: \d+/, 'maxTtlMinutes: 240']]),
    );

    expect(doc.phase).toBe('ready');
    expect(await readScaling(world.session.s3, world.session.bucket, 'shop', ENVIRONMENT)).toBeUndefined();
    expect(doc.history.map((h) => h.note)).toContain(
      'scale overrides of web, worker:default handed back to the manifest',
    );
    const target = [...world.sd.cloud.autoScaling.targets.values()][0]!;
    expect([target.MinCapacity, target.MaxCapacity]).toEqual([2, 10]);
  });

  it('then refuses a count outside the autoscaling bounds unless --min/--max move them in the same command', async () => {
    const outside = await stackdrop('scale', 'shop', 'web=12');
    const moved = await stackdrop('scale', 'shop', 'web=12', '--max', '14', '--json');
    const target = [...world.sd.cloud.autoScaling.targets.values()][0]!;

    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(
      /web=12 is outside the autoscaling bounds 2–10: move them with --min\/--max/,
    );
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout).webBounds).toEqual({ min: 2, max: 14 });
    expect([target.MinCapacity, target.MaxCapacity]).toEqual([2, 14]);
    expect(service('web').desiredCount).toBe(12);
  });

  it('refuses the scheduler, unknown workers, a missing project and an unreachable cloud', async () => {
    const scheduler = await stackdrop('scale', 'shop', 'scheduler=2');
    const worker = await stackdrop('scale', 'shop', 'worker:emails=2');
    const missing = await stackdrop('scale', 'nosuch', 'web=2');
    const unreachable = await offline('scale', 'shop', 'web=2');

    expect([scheduler.code, worker.code, missing.code, unreachable.code]).toEqual([1, 1, 1, 3]);
    expect(scheduler.stderr).toMatch(/the scheduler always runs one task/);
    expect(worker.stderr).toMatch(/has no worker named emails: its workers are default/);
  });
});

describe('exec', () => {
  it('says how to turn ECS Exec on while app.exec is false', async () => {
    const result = await stackdrop('exec', 'shop');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /ECS Exec is off for web: set app\.exec: true in the manifest and deploy it/,
    );
  });

  it('with app.exec: true, services allow it, the task role may open channels, and the exact aws command is printed', async () => {
    const doc = await provision(world, 'shop', manifestFor('shop', [[/^app:$/m, 'app:\n  exec: true']]));
    expect(doc.phase).toBe('ready');
    const { cloud } = world.sd;
    const app = world.sd.cloudFormation.findStack('stackdrop-shop-production-app')!;
    const web = [...cloud.ecs.services.values()].find(
      (x) => x.status === 'ACTIVE' && x.serviceName === doc.outputs.WebServiceName,
    )!;

    const text = await stackdrop('exec', 'shop', '--', 'php', 'artisan', 'tinker');
    const json = JSON.parse(
      (await stackdrop('exec', 'shop', '--service', 'worker:default', '--json')).stdout,
    );

    expect(web.enableExecuteCommand).toBe(true);
    // The task role may open the Session Manager channels and log the session to the app's group,
    // where the cluster sends every session.
    const exec = app.resources.get('ExecPolicy')!.properties as {
      PolicyDocument: { Statement: Array<{ Sid: string; Action: string | string[]; Resource: string }> };
    };
    expect(exec.PolicyDocument.Statement.map((x) => [x.Sid, x.Action, x.Resource])).toEqual([
      [
        'EcsExecChannels',
        [
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        '*',
      ],
      [
        'LogExecSessions',
        ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        `arn:aws:logs:eu-west-1:${cloud.accountId}:log-group:${doc.outputs.LogGroupName}:*`,
      ],
      ['FindExecLogGroup', 'logs:DescribeLogGroups', `arn:aws:logs:eu-west-1:${cloud.accountId}:log-group:*`],
    ]);
    const cluster = world.sd.cloudFormation
      .findStack('stackdrop-shop-production-edge')!
      .resources.get('Cluster')!;
    expect(cluster.properties.Configuration).toEqual({
      ExecuteCommandConfiguration: {
        Logging: 'OVERRIDE',
        LogConfiguration: {
          CloudWatchLogGroupName: doc.outputs.LogGroupName,
          CloudWatchEncryptionEnabled: false,
        },
      },
    });
    const task = [...cloud.ecs.tasks.values()].find(
      (t) => t.group === `service:${web.serviceName}` && t.lastStatus === 'RUNNING',
    )!;
    const taskId = task.taskArn.split('/').pop();
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      `aws --endpoint-url ${world.sd.endpoint} --region eu-west-1 ecs execute-command --cluster ${doc.outputs.ClusterName} --task ${taskId} --container app --interactive --command 'php artisan tinker'\n`,
    );
    expect(text.stderr).toMatch(/The local cloud opens no sessions/);
    expect(json.service).toMatch(/worker-default$/);
    expect(json.argv.slice(-2)).toEqual(['--command', '/bin/sh']);
  });

  it('refuses an unknown task, a missing project and an unreachable cloud', async () => {
    const task = await stackdrop('exec', 'shop', '--task', '0123456789abcdef0123456789abcdef');
    const missing = await stackdrop('exec', 'nosuch');
    const unreachable = await offline('exec', 'shop');
    expect([task.code, missing.code, unreachable.code]).toEqual([1, 1, 3]);
    expect(task.stderr).toMatch(/is not a running task of web/);
  });
});
