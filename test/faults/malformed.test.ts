import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, type CorpusCase } from '#test/unit/manifest/corpus.ts';
import {
  allExecutionsDone,
  type E2eWorld,
  isMutating,
  type LoggedCall,
  recordRequests,
  startWorld,
} from './helpers.ts';

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

const COUNT = 200;
const ENCODING_OR_SIZE = /UTF-16|Latin-1|truncated|random bytes|MiB|alias bomb|nesting/;

/**
 * 200 cases of the manifest corpus (test/unit/manifest/corpus.ts): every encoding, size and
 * nesting case, the rest (wrong types, missing fields, huge values, hostile strings, odd keys)
 * sampled evenly.
 */
function sample(): CorpusCase[] {
  const corpus = buildCorpus();
  const special = corpus.filter((c) => ENCODING_OR_SIZE.test(c.name));
  const rest = corpus.filter((c) => !ENCODING_OR_SIZE.test(c.name));
  const wanted = COUNT - special.length;
  const picked = Array.from({ length: wanted }, (_, i) => rest[Math.floor((i * rest.length) / wanted)]!);
  return [...special, ...picked];
}

describe('fault drills: malformed manifests on the local cloud', () => {
  it('rejects 200 malformed manifests, each with a clear message, making no mutating AWS call but the status write', async () => {
    // Prepare
    const cases = sample();
    const log = recordRequests(world.sd.cloud);
    const keys = cases.map((c, i) => `manifests/bad${i}-drill.${c.file.endsWith('.json') ? 'json' : 'yaml'}`);

    // Act: dropped 20 at a time, as a burst of uploads would arrive.
    const versions: (string | undefined)[] = [];
    for (let i = 0; i < cases.length; i += 20) {
      const batch = cases.slice(i, i + 20);
      versions.push(
        ...(await Promise.all(
          batch.map((c, j) => world.session.dropManifest(c.input as string, keys[i + j]!)),
        )),
      );
    }
    await allExecutionsDone(world);
    log.restore();

    // Assess: each status document names the version, the phase and readable problems.
    expect(cases).toHaveLength(COUNT);
    expect(cases.some((c) => c.input.length > 1024 * 1024)).toBe(true);
    const docs = await Promise.all(cases.map((_, i) => world.session.status(`bad${i}`, 'drill')));
    docs.forEach((doc, i) => {
      const label = `${cases[i]!.name} → ${keys[i]}`;
      expect(doc, label).toBeDefined();
      expect(doc!.phase, label).toBe('failed');
      expect(doc!.manifest?.versionId, label).toBe(versions[i]);
      expect(doc!.error, label).toMatchObject({ stage: 'manifest', code: 'ManifestInvalid' });
      expect(doc!.errors?.length, label).toBeGreaterThan(0);
      for (const problem of doc!.errors ?? []) expect(problem.message.length, label).toBeGreaterThan(5);
    });
    const arn = world.sd.outputs.ProvisionStateMachineArn!;
    const executions = [...world.sd.stepFunctions.executions.values()].filter(
      (e) => e.stateMachineArn === arn,
    );
    expect(executions).toHaveLength(COUNT);
    expect(new Set(executions.map((e) => e.error))).toEqual(new Set(['ManifestInvalid']));
    // Zero mutating calls beyond the user's uploads, the status writes and the failure event.
    const allowed = (c: LoggedCall) =>
      (c.service === 's3' && c.method === 'PUT' && /\/(manifests|status)\/bad\d+-drill\./.test(c.path)) ||
      (c.service === 'events' && c.operation === 'PutEvents');
    const mutating = log.calls.filter(isMutating);
    expect(mutating.filter((c) => !allowed(c))).toEqual([]);
    expect(
      mutating.filter((c) => c.service === 's3' && c.path.includes('/status/')).length,
    ).toBeGreaterThanOrEqual(COUNT);
    // Nothing reached CloudFormation, ECS, RDS, ELB, ECR, Step Functions' task API or SQS (EC2
    // reads are the 5-minute bastion reaper's own listing, running on the same clock).
    expect(log.calls.filter((c) => !['s3', 'events', 'ec2'].includes(c.service))).toEqual([]);
  });
});
