import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStackdrop, startStackdrop } from '#local/runtime/index.ts';
import { LOCAL_CREDENTIALS, LocalSession } from '#local/runtime/session.ts';

/**
 * A synchronous Invoke whose handler waits on virtual time (a poll, an SDK retry back-off) must
 * let an instant clock move: on AWS the call simply takes that long. Before ClockHold the HTTP
 * request (and the user's action around it) kept the clock busy, the handler waited for the
 * clock, and the invoke never returned: the hang behind the iam-mutation stories' timeouts.
 */
const templatePath = fileURLToPath(new URL('fixtures/template.yaml', import.meta.url));

let sd: LocalStackdrop;
let session: LocalSession;
let lambda: LambdaClient;

beforeAll(async () => {
  sd = await startStackdrop({ templatePath, stackName: 'fixture', speed: 'instant' });
  session = new LocalSession(sd);
  lambda = new LambdaClient({
    endpoint: sd.endpoint,
    region: sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  session?.destroy();
  await sd?.stop();
});

describe('a synchronous invoke on an instant clock', () => {
  it('returns once the handler has waited its ten virtual minutes (plain Invoke)', async () => {
    const start = sd.cloud.clock.now();
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: sd.plan.functions.find((f) => f.logicalId === 'SleepFunction')!.name,
      }),
    );
    const body = JSON.parse(Buffer.from(out.Payload!).toString()) as { waitedMs: number };
    expect(out.FunctionError).toBeUndefined();
    expect(body.waitedMs).toBe(600_000);
    expect(sd.cloud.clock.now() - start).toBeGreaterThanOrEqual(600_000);
  });

  it('returns inside a user action that holds the clock (LocalSession.invoke)', async () => {
    const out = await session.invoke<{ waitedMs: number }>('SleepFunction', {});
    expect(out.error).toBeUndefined();
    expect(out.result?.waitedMs).toBe(600_000);
  });

  it('still holds the clock while a handler computes: no timer fires inside a plain invoke', async () => {
    let fired = false;
    sd.cloud.clock.setTimer(1, () => {
      fired = true;
    });
    const out = await session.invoke<{ event: unknown }>('EchoFunction', { n: 1 });
    expect(out.result?.event).toEqual({ n: 1 });
    expect(fired).toBe(false);
  });
});
