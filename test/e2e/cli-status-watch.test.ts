import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clients, clientsFor, readLocalClock, type Target } from '#cli/context.ts';
import { stackInProgress } from '#cli/watch.ts';
import { STAGES } from '#shared/naming.ts';
import { harness, type Run } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, startWorld } from './helpers.ts';

/**
 * `stackdrop status <project> --watch` end to end, against a local cloud running stackdrop itself,
 * started while a manifest is being provisioned, or right after it was uploaded (what `stackdrop
 * deploy` suggests). From then on the test holds the local cloud's virtual clock still, and each
 * poll interval the watch sleeps passes on that clock: every poll sees what AWS would show after
 * that much time, independent of this machine's speed.
 */

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

/** A held virtual clock: it moves only when the watch sleeps, by exactly what it sleeps. */
interface HeldClock {
  release(): void;
}

/**
 * Drops the project's manifest and waits (on the running instant clock) until the network stack
 * is being created, then holds the clock still there.
 */
async function dropAndHoldWhileProvisioning(project: string): Promise<HeldClock> {
  const clock = world.sd.cloud.clock;
  const versionId = await world.session.dropManifest(
    manifestFor(project),
    `manifests/${project}-${ENVIRONMENT}.yaml`,
  );
  const deadline = performance.now() + 20_000;
  for (;;) {
    clock.busy();
    const doc = await world.session.status(project, ENVIRONMENT);
    if (
      doc !== undefined &&
      doc.manifest?.versionId === versionId &&
      doc.phase === 'provisioning' &&
      stackInProgress(doc.stacks.network?.status)
    ) {
      let held = true;
      return {
        release: () => {
          if (held) clock.idle();
          held = false;
        },
      };
    }
    clock.idle();
    if (performance.now() > deadline)
      throw new Error(`provisioning of ${project} did not start: ${JSON.stringify(doc)?.slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Drops a manifest with the clock held still: the watch starts before stackdrop has picked it up. */
async function dropAndHold(
  project: string,
  text = manifestFor(project),
): Promise<HeldClock & { versionId: string }> {
  const clock = world.sd.cloud.clock;
  clock.busy();
  let held = true;
  const release = () => {
    if (held) clock.idle();
    held = false;
  };
  try {
    const versionId = await world.session.dropManifest(text, `manifests/${project}-${ENVIRONMENT}.yaml`);
    return { release, versionId: versionId! };
  } catch (error) {
    release();
    throw error;
  }
}

/** Runs `stackdrop --local status <project> --watch` (not a TTY), its sleeps advancing the held clock. */
async function watchStatus(project: string): Promise<Run> {
  const h = harness(
    {
      localClock: readLocalClock,
      sleep: (ms) => world.sd.cloud.clock.advance(ms),
      clientsFor: (target: Target): Clients => clientsFor(target),
    },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
  return h.run('--local', 'status', project, '--watch');
}

/** The progress lines the watch printed, before the blank line that starts the final status. */
function progressOf(stdout: string): string[] {
  return stdout.slice(0, stdout.indexOf('\n\n')).split('\n');
}

/** Index of the first line matching `pattern`, or -1. */
function firstLine(lines: string[], pattern: RegExp): number {
  return lines.findIndex((l) => pattern.test(l));
}

describe('stackdrop status --watch against the local cloud', () => {
  let stdout: string;

  it('follows a provisioning project stack by stack and stops by itself at ready, exit 0', async () => {
    // Prepare
    const clock = await dropAndHoldWhileProvisioning('acme');

    // Act
    let result: Run;
    try {
      result = await watchStatus('acme');
    } finally {
      clock.release();
    }
    stdout = result.stdout;

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = progressOf(result.stdout);
    expect(lines[0]).toBe('acme/production  provisioning');
    expect(lines[1]).toMatch(/^ {2}network {3}CREATE_IN_PROGRESS {2}— \S/);
    for (const stage of STAGES) {
      const busy = firstLine(lines, new RegExp(`^  ${stage} +CREATE_IN_PROGRESS  — `));
      const done = firstLine(lines, new RegExp(`^  ${stage} +CREATE_COMPLETE  \\d+m \\d\\ds$`));
      expect(busy, `${stage} shown in progress`).toBeGreaterThan(0);
      expect(done, `${stage} shown complete after being in progress`).toBeGreaterThan(busy);
    }
    // Stages start when what they need exists (docs/provisioning.md, Milestones): the edge after
    // the network, the app after the edge; the app at the database's milestone, so it shows while
    // the database is still creating (minutes apart; the database's own head start on the network
    // is too short for one poll to tell, test/e2e/stage-graph.test.ts checks it on stack events).
    const started = (stage: string) => firstLine(lines, new RegExp(`^  ${stage} +CREATE_IN_PROGRESS`));
    const completed = (stage: string) => firstLine(lines, new RegExp(`^  ${stage} +CREATE_COMPLETE`));
    expect(started('edge'), 'edge starts after network completed').toBeGreaterThan(completed('network'));
    expect(started('app'), 'app starts after edge completed').toBeGreaterThan(completed('edge'));
    expect(started('app'), 'app starts before database completed').toBeLessThan(completed('database'));
    expect(lines.filter((l) => l.startsWith('  app ')).at(-1)).toMatch(
      /^ {2}app {7}CREATE_COMPLETE {2}\d+m \d\ds$/,
    );
    expect(lines.filter((l) => l.startsWith('acme/production'))).toEqual([
      'acme/production  provisioning',
      'acme/production  ready',
    ]);
    const final = result.stdout.slice(result.stdout.indexOf('\n\n') + 2);
    expect(final).toMatch(/^acme\/production {2}ready {2}updated \S+Z\n/);
    expect(final).toMatch(/\n {2}Url +https:\/\/shop\.example\.com\n/);
    expect((await world.session.status('acme', ENVIRONMENT))?.phase).toBe('ready');
  });

  it('prints no ANSI escape and no ticking time when stdout is not a terminal', () => {
    // Assess (the watch of the test above)
    expect(stdout).not.toContain('\u001b');
    expect(stdout).not.toContain('\r');
    const lines = progressOf(stdout);
    expect(
      lines.filter((l) => /^acme\/production .*\d+s$/.test(l)),
      'no elapsed time in the headline',
    ).toEqual([]);
    expect(
      lines.filter((l) => /_IN_PROGRESS {2}\d/.test(l)),
      'no running time for busy stacks',
    ).toEqual([]);
    // In a log a line is printed only when something changed: never the same line twice.
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('right after a redeploy, waits for stackdrop to take the new manifest instead of showing the last ready', async () => {
    // Prepare (acme is ready from the test above)
    const clock = await dropAndHold('acme', manifestFor('acme', [[/LOG_LEVEL: info/, 'LOG_LEVEL: debug']]));

    // Act
    let result: Run;
    try {
      result = await watchStatus('acme');
    } finally {
      clock.release();
    }

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = progressOf(result.stdout);
    const heads = lines.filter((l) => l.startsWith('acme/production'));
    expect(heads).toContain('acme/production  provisioning');
    expect(heads.indexOf('acme/production  ready'), 'ready only at the end').toBe(heads.length - 1);
    expect(firstLine(lines, /^ {2}app {7}UPDATE_COMPLETE/)).toBeGreaterThan(
      firstLine(lines, /^ {2}app {7}UPDATE_IN_PROGRESS/),
    );
    expect(firstLine(lines, /^ {2}app {7}UPDATE_IN_PROGRESS/)).toBeGreaterThan(0);
    expect(result.stdout).toContain(`manifest  manifests/acme-production.yaml  version ${clock.versionId}\n`);
  });

  it('right after a first deploy, waits for the status to exist and follows it to ready', async () => {
    // Prepare
    const clock = await dropAndHold('gamma');

    // Act
    let result: Run;
    try {
      result = await watchStatus('gamma');
    } finally {
      clock.release();
    }

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = progressOf(result.stdout);
    expect(firstLine(lines, /^ {2}network {3}CREATE_COMPLETE/)).toBeGreaterThan(0);
    expect(firstLine(lines, /^gamma\/production {2}ready$/)).toBeGreaterThan(0);
    expect(result.stdout).toContain(
      `manifest  manifests/gamma-production.yaml  version ${clock.versionId}\n`,
    );
  });

  it('stops by itself when provisioning fails, naming the failed resource and its reason, exit 2', async () => {
    // Prepare
    world.sd.cloud.faults.failResource({
      stackName: 'stackdrop-beta-production-database',
      type: 'AWS::RDS::DBCluster',
      action: 'create',
      reason: 'Insufficient capacity in eu-west-1b for db.r6g.large',
      times: 1,
    });
    const clock = await dropAndHoldWhileProvisioning('beta');

    // Act
    let result: Run;
    try {
      result = await watchStatus('beta');
    } finally {
      clock.release();
    }

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('\u001b');
    const lines = progressOf(result.stdout);
    expect(lines[0]).toBe('beta/production  provisioning');
    expect(firstLine(lines, /^ {2}database {2}CREATE_IN_PROGRESS {2}— /)).toBeGreaterThan(0);
    expect(firstLine(lines, /^ {2}database {2}ROLLBACK_COMPLETE/)).toBeGreaterThan(
      firstLine(lines, /^ {2}database {2}CREATE_IN_PROGRESS/),
    );
    expect(lines.filter((l) => l.startsWith('beta/production'))).toEqual([
      'beta/production  provisioning',
      'beta/production  failed',
    ]);
    expect(firstLine(lines, /^ {2}app /), 'app never starts').toBe(-1);
    const final = result.stdout.slice(result.stdout.indexOf('\n\n') + 2);
    expect(final).toMatch(/^beta\/production {2}failed {2}/);
    expect(final).toMatch(
      /\n {2}database +ROLLBACK_COMPLETE +\S.* {2}Cluster: Insufficient capacity in eu-west-1b for db\.r6g\.large\n/,
    );
    expect((await world.session.status('beta', ENVIRONMENT))?.phase).toBe('failed');
  });
});
