import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clients, clientsFor, readLocalClock, type Target } from '#cli/context.ts';
import { createUi } from '#cli/ui.ts';
import { progressLines } from '#cli/watch.ts';
import { harness, type Run } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, pushAndWait, startWorld } from './helpers.ts';

/**
 * Every stackdrop command end to end against a local cloud running stackdrop itself (template.yaml,
 * state machines, functions): the CLI finds the stack outputs through DescribeStacks on `stackdrop`,
 * exactly as on AWS. Commands run in-process through `runCli` with captured output; one local
 * cloud is shared by the story (validate → plan → deploy → status → push → rollback → bastion →
 * destroy). Virtual time runs on the instant clock, so snapshots keep only simulated durations.
 */

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/stackdrop.mjs', import.meta.url));

let world: E2eWorld;
/** Client factories the CLI asked for (zero means no AWS call could have been made). */
let clientRequests = 0;

function cli() {
  return harness(
    {
      // With --local the CLI tells time by the local cloud's virtual clock (GET /_local/clock);
      // its polls wait a little real time.
      localClock: readLocalClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 15))),
      clientsFor: (target: Target): Clients => {
        clientRequests++;
        return clientsFor(target);
      },
    },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
}

const h = { current: undefined as ReturnType<typeof cli> | undefined };
/** Runs `stackdrop --local <args>` in the shared working directory. */
function stackdrop(...args: string[]): Promise<Run> {
  h.current ??= cli();
  return h.current.run('--local', ...args);
}
const file = (name: string) => join(h.current!.deps.cwd, name);

/** Replaces what differs between runs (timestamps, versions, digests, random ids) by placeholders. */
function stable(text: string): string {
  return (
    text
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
      .replace(/version \S+/g, 'version <id>')
      .replace(/sha256:[0-9a-f]+/g, 'sha256:<digest>')
      // Simulated durations move by a second between runs (handler compute nudges the instant clock):
      // seconds are masked, the width kept.
      .replace(/\b(\d+m )\d\ds\b/g, '$1··s')
      .replace(/\b\d\ds\b/g, '··s')
      .replace(/ +$/gm, '')
  );
}

beforeAll(async () => {
  world = await startWorld();
  h.current = cli();
  writeFileSync(file('acme.yaml'), manifestFor('acme'));
});

afterAll(async () => {
  await world?.stop();
});

describe('stackdrop against the local cloud', () => {
  it('writes a starter manifest with init that validate accepts, as text and as JSON', async () => {
    // Act
    const init = await stackdrop('init', '--project', 'shop', '--yes', '-o', 'shop.yaml');
    const validate = await stackdrop('validate', 'shop.yaml');
    const json = await stackdrop('validate', 'shop.yaml', '--json');

    // Assess
    expect(init.code).toBe(0);
    expect(readFileSync(file('shop.yaml'), 'utf8')).toContain('project: shop');
    expect(validate).toEqual({ code: 0, stdout: '✓ shop.yaml is valid: shop/production\n', stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      file: 'shop.yaml',
      project: 'shop',
      environment: 'production',
      problems: [],
    });
  });

  it('refuses an invalid manifest in validate, deploy and plan with exit 1 and no AWS call', async () => {
    // Prepare
    writeFileSync(file('bad.yaml'), manifestFor('acme', [[/^project: .*$/m, 'project: Acme']]));
    clientRequests = 0;

    // Act
    const validate = await stackdrop('validate', 'bad.yaml', '--json');
    const deploy = await stackdrop('deploy', 'bad.yaml', '--watch');
    const plan = await stackdrop('plan', 'bad.yaml', '--live');

    // Assess
    expect([validate.code, deploy.code, plan.code]).toEqual([1, 1, 1]);
    expect(JSON.parse(validate.stdout)).toMatchObject({
      ok: false,
      file: 'bad.yaml',
      problems: [{ file: 'bad.yaml', line: expect.any(Number), col: expect.any(Number), path: 'project' }],
    });
    expect(deploy.stderr).toMatch(/^✗ bad\.yaml: 1 problem\nbad\.yaml:\d+:\d+: project: /);
    expect(clientRequests).toBe(0);
  });

  it('plans offline with placeholders, and live with change sets it deletes again', async () => {
    // Act
    const offline = await stackdrop('plan', 'acme.yaml', '--json');
    const live = await stackdrop('plan', 'acme.yaml', '--live', '--json');

    // Assess
    expect(offline.code).toBe(0);
    const plan = JSON.parse(offline.stdout);
    expect(plan.stacks.map((s: { stage: string; stackName: string }) => [s.stage, s.stackName])).toEqual([
      ['network', 'stackdrop-acme-production-network'],
      ['database', 'stackdrop-acme-production-database'],
      ['edge', 'stackdrop-acme-production-edge'],
      ['app', 'stackdrop-acme-production-app'],
    ]);
    expect(plan.stacks[1].parameters.DatabaseSecurityGroupId).toBe('<network.DatabaseSecurityGroupId>');
    expect(live.stderr).toBe('');
    // The example's certificate and APP_KEY secret (account 123456789012) do not exist in the local
    // account: the preflight says so, exit 1 (docs/cli.md, "Preflight"); everything else passes.
    expect(live.code).toBe(1);
    const { live: changes, preflight } = JSON.parse(live.stdout);
    expect(preflight.filter((c: { ok: boolean }) => !c.ok).map((c: { check: string }) => c.check)).toEqual([
      'certificate',
      'secret APP_KEY',
    ]);
    expect(changes.databaseReplacement).toBe(false);
    expect(changes.stacks[0]).toMatchObject({ stage: 'network', mode: 'create', removes: 0 });
    expect(changes.stacks[0].adds).toBeGreaterThan(20);
    expect(changes.stacks.slice(1).map((s: { mode: string }) => s.mode)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(world.sd.cloudFormation.findStack('stackdrop-acme-production-network')).toBeUndefined();
  });

  it('deploys with --watch until ready, showing each stack with its time', async () => {
    // Act
    const result = await stackdrop('deploy', 'acme.yaml', '--watch');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^✓ uploaded s3:\/\/stackdrop-\S+\/manifests\/acme-production\.yaml \(version \S+\)\n/,
    );
    const took = Object.fromEntries(
      [...result.stdout.matchAll(/^ {2}(\w+) +CREATE_COMPLETE {2}(\d+)m (\d\d)s$/gm)].map((m) => [
        m[1],
        Number(m[2]) * 60 + Number(m[3]),
      ]),
    );
    // The published AWS durations (local/durations.ts), give or take a second of simulated time.
    const expected = { network: 140, database: 843, edge: 152, app: 162 };
    for (const [stage, seconds] of Object.entries(expected))
      expect(Math.abs(took[stage]! - seconds), `${stage} took ${took[stage]}s`).toBeLessThanOrEqual(2);
    expect(result.stdout).toMatch(
      /✓ acme\/production ready after \d+m \d\ds\n {2}https:\/\/shop\.example\.com\n$/,
    );
    expect(result.stdout).not.toContain('\u001b');
  });

  it('draws the finished watch as a log shows it', async () => {
    // Prepare
    const doc = (await world.session.status('acme', ENVIRONMENT))!;
    const plain = createUi({ write: () => true }, { write: () => true }, {}).style;

    // Act
    const lines = progressLines(
      { bucket: world.session.bucket, project: 'acme', environment: ENVIRONMENT },
      doc,
      {},
      world.sd.cloud.clock.date(),
      new Date(doc.updatedAt),
      plain,
      false,
    );

    // Assess
    expect(stable(lines.join('\n'))).toMatchInlineSnapshot(`
      "acme/production  ready
        network   CREATE_COMPLETE  2m ··s
        database  CREATE_COMPLETE  14m ··s
        edge      CREATE_COMPLETE  2m ··s
        app       CREATE_COMPLETE  2m ··s"
    `);
  });

  it('shows status with stacks, outputs and deploys, and the same as JSON', async () => {
    // Act
    const text = await stackdrop('status', 'acme');
    const json = await stackdrop('status', 'acme', '--json');
    const all = await stackdrop('status', '--json');

    // Assess
    expect(text.code).toBe(0);
    const sections = stable(text.stdout).split('\n\n');
    const outputs = sections.find((x) => x.startsWith('Outputs\n'))!;
    expect(sections.filter((x) => x !== outputs).join('\n\n')).toMatchInlineSnapshot(`
      "acme/production  ready  updated <time>
      manifest  manifests/acme-production.yaml  version <id>

      Stacks
        STAGE     STATUS           TOOK     REASON
        network   CREATE_COMPLETE  2m ··s
        database  CREATE_COMPLETE  14m ··s
        edge      CREATE_COMPLETE  2m ··s
        app       CREATE_COMPLETE  2m ··s

      Last deploys
        none yet — push an image to the repository to deploy

      Open bastions
        none
      "
    `);
    expect(outputs.replace(/^( {2}\S+) .*$/gm, '$1')).toMatchInlineSnapshot(`
      "Outputs
        VpcId
        VpcCidr
        AvailabilityZones
        PublicSubnetIds
        PrivateSubnetIds
        IsolatedSubnetIds
        AlbSecurityGroupId
        AppSecurityGroupId
        DatabaseSecurityGroupId
        BastionSecurityGroupId
        ClusterIdentifier
        WriterEndpoint
        ReaderEndpoint
        Port
        SecretArn
        DatabaseName
        Engine
        ClusterName
        ClusterArn
        RepositoryName
        RepositoryUri
        LoadBalancerArn
        LoadBalancerDnsName
        TargetGroupArn
        Url
        AppBucketName
        QueueName
        QueueUrl
        DeadLetterQueueUrl
        TaskRoleArn
        ExecutionRoleArn
        LogGroupName
        CertificateArn
        WebServiceName
        WorkerServiceNames
        SchedulerServiceName
        WebTaskDefinitionArn
        ReleaseTaskDefinitionArn
        ImageUri"
    `);
    expect(text.stdout).toMatch(/\n {2}Url +https:\/\/shop\.example\.com\n/);
    const status = JSON.parse(json.stdout);
    expect(Object.keys(status).sort()).toEqual(
      [
        'deadLetters',
        'environment',
        'error',
        'errors',
        'lastDeploys',
        'manifest',
        'openBastions',
        'outputs',
        'phase',
        'project',
        'stacks',
        'updatedAt',
      ].sort(),
    );
    expect(status).toMatchObject({
      project: 'acme',
      environment: 'production',
      phase: 'ready',
      deadLetters: [],
    });
    expect(status.stacks.map((s: { stage: string; status: string }) => `${s.stage} ${s.status}`)).toEqual([
      'network CREATE_COMPLETE',
      'database CREATE_COMPLETE',
      'edge CREATE_COMPLETE',
      'app CREATE_COMPLETE',
    ]);
    expect(status.outputs.WriterEndpoint).toMatch(/^stackdrop-acme-[a-z0-9-]+\.cluster-/);
    expect(JSON.parse(all.stdout)).toEqual({
      projects: [{ project: 'acme', environment: 'production', phase: 'ready', updatedAt: status.updatedAt }],
      deadLetters: [],
    });
  });

  let first: string;
  let second: string;

  it('lists the deploys an ECR push started, newest first, and rolls back to the earlier digest', async () => {
    // Prepare
    first = (await pushAndWait(world, 'acme', 'one')).digest;
    second = (await pushAndWait(world, 'acme', 'two')).digest;

    // Act
    const deploys = await stackdrop('deploys', 'acme', '--json');
    const rollback = await stackdrop('rollback', 'acme', '--json');
    const rolled = await world.session.waitForStatus(
      'acme',
      ENVIRONMENT,
      (d) => d.deploys.filter((x) => x.digest === first && x.outcome === 'succeeded').length === 2,
    );
    const text = await stackdrop('deploys', 'acme');

    // Assess
    expect(deploys.code).toBe(0);
    const history = JSON.parse(deploys.stdout);
    expect(history).toMatchObject({ project: 'acme', environment: 'production' });
    expect(history.deploys.map((d: { digest: string; outcome: string }) => [d.digest, d.outcome])).toEqual([
      [second, 'succeeded'],
      [first, 'succeeded'],
    ]);
    expect(rollback.code).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({
      project: 'acme',
      environment: 'production',
      repository: 'acme-production',
      digest: first,
      from: second,
      messageId: expect.any(String),
    });
    expect(rolled.deploys.at(-1)).toMatchObject({ digest: first, outcome: 'succeeded' });
    expect(text.stdout.split('\n').filter((l) => l.includes('succeeded'))).toHaveLength(3);
  });

  let instanceId: string;

  it('opens a bastion and prints the exact tunnel command, allowing this machine when no --cidr', async () => {
    // Act
    const opened = await stackdrop('bastion', 'open', 'acme', '--ttl', '30m');

    // Assess
    expect(opened.stderr).toBe('Local cloud: allowing 127.0.0.1/32 (pass --cidr to choose).\n');
    expect(opened.code).toBe(0);
    instanceId = /bastion (i-[0-9a-f]+) \(ssm\) open until/.exec(opened.stdout)![1]!;
    const doc = (await world.session.status('acme', ENVIRONMENT))!;
    expect(opened.stdout).toContain(
      `tunnel to the database:\n  aws ssm start-session --region eu-west-1 --target ${instanceId} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=${doc.outputs.WriterEndpoint},portNumber=3306,localPortNumber=3306\n`,
    );
  });

  it('lists the open bastion and closes it', async () => {
    // Act
    const list = await stackdrop('bastion', 'list', 'acme', '--json');
    const close = await stackdrop('bastion', 'close', 'acme', instanceId, '--json');
    const after = await stackdrop('bastion', 'list', 'acme', '--json');

    // Assess
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      project: 'acme',
      environment: 'production',
      bastions: [
        expect.objectContaining({
          instanceId,
          access: 'ssm',
          state: expect.stringMatching(/^(pending|running)$/),
          expired: false,
        }),
      ],
    });
    expect(close.code).toBe(0);
    expect(JSON.parse(close.stdout)).toMatchObject({ instanceId });
    const still = JSON.parse(after.stdout).bastions.find(
      (b: { instanceId: string }) => b.instanceId === instanceId,
    );
    expect(still?.state ?? 'gone').toMatch(/^(shutting-down|terminated|gone)$/);
  });

  it('shows the first failed resource and its reason when a deploy fails', async () => {
    // Prepare
    writeFileSync(file('beta.yaml'), manifestFor('beta'));
    world.sd.cloud.faults.failResource({
      stackName: 'stackdrop-beta-production-database',
      type: 'AWS::RDS::DBCluster',
      action: 'create',
      reason: 'Insufficient capacity in eu-west-1b for db.r6g.large',
      times: 1,
    });

    // Act
    const result = await stackdrop('deploy', 'beta.yaml', '--watch');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('  database  ROLLBACK_COMPLETE');
    const status = JSON.parse((await stackdrop('status', 'beta', '--json')).stdout);
    expect(status.phase).toBe('failed');
    expect(status.stacks.find((s: { stage: string }) => s.stage === 'database')).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      failedResource: 'Cluster',
      reason: 'Insufficient capacity in eu-west-1b for db.r6g.large',
    });
    expect(result.stderr.replace(/\(after [^)]+\)/, '(after <elapsed>)')).toMatchInlineSnapshot(`
      "✗ beta/production failed in database (stackdrop-beta-production-database) — Cluster: Insufficient capacity in eu-west-1b for db.r6g.large (after <elapsed>)
      "
    `);
  });

  it('refuses destroy without the confirmation, exit 1, before any AWS call', async () => {
    // Prepare
    clientRequests = 0;

    // Act
    const missing = await stackdrop('destroy', 'acme');
    const wrong = await stackdrop('destroy', 'acme', '--confirm', 'acme-prod');

    // Assess
    expect([missing.code, wrong.code]).toEqual([1, 1]);
    expect(missing.stderr).toContain('--confirm acme');
    expect(clientRequests).toBe(0);
  });

  it('destroys with --confirm --watch, keeping the final snapshot and saying where it is', async () => {
    // Act
    const result = await stackdrop('destroy', 'acme', '--confirm', 'acme', '--watch');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^✓ teardown of acme\/production started \(arn:aws:states:\S+:execution:\S+\)\n/,
    );
    expect(result.stdout).toMatch(
      /✓ acme\/production destroyed\nthe database's final snapshot is kept \(DeletionPolicy: Snapshot\); find it with: aws rds describe-db-cluster-snapshots --db-cluster-identifier stackdrop-acme-\S+ --snapshot-type manual --region eu-west-1\n$/,
    );
    const snapshots = [...world.sd.cloud.rds.snapshots.values()];
    expect(snapshots).toEqual([
      expect.objectContaining({
        DBClusterIdentifier: expect.stringMatching(/^stackdrop-acme-/),
        SnapshotType: 'manual',
      }),
    ]);
    expect((await world.session.status('acme', ENVIRONMENT))?.phase).toBe('destroyed');
  });

  it('answers the real binary with --local, as JSON', async () => {
    // Act (asynchronously: the local cloud answers from this very process)
    const result = await run(process.execPath, [BIN, '--local', 'status', '--json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, STACKDROP_ENDPOINT: world.sd.endpoint },
      timeout: 20_000,
    });

    // Assess
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).projects).toEqual([
      expect.objectContaining({ project: 'acme', environment: 'production', phase: 'destroyed' }),
      expect.objectContaining({ project: 'beta', environment: 'production', phase: 'failed' }),
    ]);
  });

  it('explains an unreachable endpoint in one line, exit 3', async () => {
    // Prepare
    const offline = harness({}, { env: { STACKDROP_ENDPOINT: 'http://127.0.0.1:9' } });

    // Act
    const result = await offline.run('--local', 'status', 'acme');

    // Assess
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^✗ Cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is the local cloud running\?/,
    );
  });
});
