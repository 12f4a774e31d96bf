import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3 } from '#shared/aws.ts';
import { lastDeployedImage } from '#shared/provision/plan.ts';
import {
  type DeployRecord,
  HISTORY_LIMIT,
  readStatus,
  StatusConflictError,
  updateStatus,
  withPhase,
} from '#shared/status.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';

const s3Mock = mockClient(s3);
const ref = { bucket: 'stackdrop-bucket', project: 'acme', environment: 'production' };
const now = () => new Date('2026-11-26T06:00:00Z');
const noSleep = async () => {};
let bucket: FakeS3;

beforeEach(() => {
  s3Mock.reset();
  bucket = new FakeS3(s3Mock);
});

describe('status document store', () => {
  it('creates a new document only if none exists (If-None-Match: *)', async () => {
    // Act
    const doc = await updateStatus(ref, (d) => withPhase(d, 'provisioning', now()), {
      s3,
      now,
      sleep: noSleep,
    });

    // Assess
    expect(doc.phase).toBe('provisioning');
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'status/acme-production.json',
      IfNoneMatch: '*',
      ContentType: 'application/json',
    });
    expect(bucket.json('status/acme-production.json')).toMatchObject({
      project: 'acme',
      phase: 'provisioning',
    });
  });

  it('writes with If-Match on the ETag it read and retries on 412 against the newer document', async () => {
    // Prepare: another writer changes the document between our read and our write, once.
    await updateStatus(ref, (d) => withPhase(d, 'ready', now()), { s3, now, sleep: noSleep });
    let interfered = false;
    const mutate = (d: Parameters<Parameters<typeof updateStatus>[1]>[0]) => {
      if (!interfered) {
        interfered = true;
        bucket.seed(
          'status/acme-production.json',
          JSON.stringify({ ...d, outputs: { url: 'http://other' } }),
        );
      }
      d.bastions.push({
        instanceId: 'i-1',
        access: 'ssm',
        openedAt: now().toISOString(),
        expiresAt: now().toISOString(),
        state: 'open',
      });
      return d;
    };

    // Act
    const doc = await updateStatus(ref, mutate, { s3, now, sleep: noSleep });

    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.IfMatch)).toHaveLength(2);
    expect(doc.outputs.url).toBe('http://other');
    expect(doc.bastions).toHaveLength(1);
    const stored = await readStatus(ref, { s3 });
    expect(stored?.doc.outputs.url).toBe('http://other');
    expect(stored?.doc.bastions).toHaveLength(1);
  });

  it('loses no update when two writers race on the same document', async () => {
    // Prepare
    await updateStatus(ref, (d) => withPhase(d, 'ready', now()), { s3, now, sleep: noSleep });

    // Act
    await Promise.all([
      updateStatus(
        ref,
        (d) => {
          d.outputs.url = 'http://acme';
          return d;
        },
        { s3, now },
      ),
      updateStatus(
        ref,
        (d) => {
          d.deploys.push({
            id: 'd1',
            repository: 'acme',
            digest: 'sha256:abc',
            startedAt: now().toISOString(),
            outcome: 'succeeded',
          });
          return d;
        },
        { s3, now },
      ),
    ]);

    // Assess
    const stored = await readStatus(ref, { s3 });
    expect(stored?.doc.outputs.url).toBe('http://acme');
    expect(stored?.doc.deploys.map((d) => d.id)).toEqual(['d1']);
  });

  it('gives up with a named error when the document keeps changing', async () => {
    // Prepare
    await updateStatus(ref, (d) => withPhase(d, 'ready', now()), { s3, now, sleep: noSleep });
    const alwaysInterfere = (d: Parameters<Parameters<typeof updateStatus>[1]>[0]) => {
      bucket.seed('status/acme-production.json', JSON.stringify(d));
      return d;
    };

    // Act
    const write = updateStatus(ref, alwaysInterfere, { s3, now, sleep: noSleep, maxAttempts: 3 });

    // Assess
    await expect(write).rejects.toBeInstanceOf(StatusConflictError);
  });

  it('keeps the running image in the trimmed history after many deploys that did not succeed', async () => {
    // Prepare: one succeeded deploy, then a day of failing pushes.
    const deploy = (n: number, outcome: DeployRecord['outcome']): DeployRecord => ({
      id: `d${n}`,
      repository: 'acme-production',
      digest: `sha256:${String(n).padStart(64, '0')}`,
      startedAt: now().toISOString(),
      outcome,
    });
    await updateStatus(
      ref,
      (doc) => {
        doc.deploys.push(deploy(0, 'succeeded'));
        for (let n = 1; n <= HISTORY_LIMIT; n++) doc.deploys.push(deploy(n, 'failed'));
        return doc;
      },
      { s3, now },
    );

    // Act
    const doc = (await readStatus(ref, { s3 }))!.doc;

    // Assess
    expect(doc.deploys).toHaveLength(HISTORY_LIMIT);
    expect(lastDeployedImage(doc.deploys, 'repo')).toBe(`repo@${deploy(0, 'succeeded').digest}`);
    expect(doc.deploys.at(-1)?.id).toBe(`d${HISTORY_LIMIT}`);
  });

  it('reads undefined for a project without a document', async () => {
    expect(await readStatus(ref, { s3 })).toBeUndefined();
  });
});
