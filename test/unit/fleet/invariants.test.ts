import { describe, expect, it } from 'vitest';
import { peakOverlap, peakPerSecond, RATE_LIMITS, throttledByBucket } from '#shared/aws-rules/rate-limits.ts';
import { emptyStatus, type StatusDocument, withPhase } from '#shared/status.ts';
import { checkStatusVersions, checkTurnReleased } from '#test/helpers/fleet-invariants.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

/** The status versions of one provisioning whose database and edge writers both kept their update. */
function versions(): StatusDocument[] {
  const v1 = withPhase(emptyStatus('acme', 'production', at(0)), 'provisioning', at(0));
  const v2 = structuredClone(v1);
  v2.stacks.network = { status: 'CREATE_IN_PROGRESS', startedAt: at(1).toISOString() };
  const v3 = structuredClone(v2);
  v3.stacks.network = { ...v3.stacks.network!, status: 'CREATE_COMPLETE' };
  v3.outputs.VpcId = 'vpc-1';
  const v4 = structuredClone(v3);
  v4.stacks.database = { status: 'CREATE_IN_PROGRESS', startedAt: at(2).toISOString() };
  const v5 = structuredClone(v4);
  v5.stacks.edge = { status: 'CREATE_IN_PROGRESS', startedAt: at(2).toISOString() };
  return [v1, v2, v3, v4, v5];
}

describe('the fleet invariants (test/helpers/fleet-invariants.ts)', () => {
  it('accept a status history in which every version keeps what the one before it had', () => {
    expect(checkStatusVersions('acme', versions())).toEqual([]);
  });

  it('catch a blind overwrite: the edge writer wrote over the database writer without seeing it', () => {
    // Prepare: version 5 built on version 3, not 4 (what a write without If-Match would store).
    const [v1, v2, v3, v4] = versions();
    const lost = structuredClone(v3!);
    lost.stacks.edge = { status: 'CREATE_IN_PROGRESS', startedAt: at(2).toISOString() };

    // Act & Assess
    expect(checkStatusVersions('acme', [v1!, v2!, v3!, v4!, lost])).toEqual([
      'acme: status version 5 of 5 lost the database stack record',
    ]);
  });

  it('catch a lost history entry, output and restarted stack', () => {
    const [v1, v2, v3] = versions();
    const bad = structuredClone(v3!);
    bad.history = [];
    bad.outputs = {};
    bad.stacks.network!.startedAt = at(9).toISOString();
    expect(checkStatusVersions('acme', [v1!, v2!, v3!, bad])).toEqual([
      expect.stringMatching(/lost history entry/),
      "acme: status version 4 of 4 changed the network stack's startedAt",
      'acme: status version 4 of 4 lost output VpcId',
    ]);
  });

  it('allow history to lose only its oldest entries to the trim', () => {
    const [v1] = versions();
    const trimmed = structuredClone(v1!);
    trimmed.history = [{ at: at(5).toISOString(), phase: 'ready' }];
    const before = structuredClone(v1!);
    before.history = [{ at: at(0).toISOString(), phase: 'provisioning' }];
    expect(checkStatusVersions('acme', [before, trimmed])).toEqual([]);
  });

  it('require the turn to be free and last completed by the project’s own execution', () => {
    const since = at(0).toISOString();
    expect(
      checkTurnReleased(
        'acme',
        { lastCompleted: { executionId: 'arn:x', versionId: 'v', at: since } },
        'arn:x',
      ),
    ).toEqual([]);
    expect(checkTurnReleased('acme', undefined, 'arn:x')).toEqual(['acme: no turn record']);
    expect(
      checkTurnReleased(
        'acme',
        {
          holder: { executionId: 'arn:x', key: 'k', versionId: 'v', since },
          waiting: { executionId: 'arn:y', key: 'k', versionId: 'w', since, taskToken: 't' },
        },
        'arn:x',
      ),
    ).toEqual([
      'acme: turn still held by arn:x',
      'acme: a run still waits for the turn (arn:y)',
      'acme: last completed nothing, not arn:x',
    ]);
  });
});

describe('measuring requests against AWS limits (shared/aws-rules/rate-limits.ts)', () => {
  it('replays requests through a token bucket: a burst past the bucket is throttled, the refill admits more later', () => {
    const limit = RATE_LIMITS.sfnDescribeExecution; // 300 at once, 15 per second
    const burst = Array.from({ length: 310 }, () => 0);
    expect(throttledByBucket(burst, limit)).toBe(10);
    // One second later, 15 tokens are back.
    expect(throttledByBucket([...burst, ...Array.from({ length: 15 }, () => 1000)], limit)).toBe(10);
    expect(throttledByBucket([...burst, ...Array.from({ length: 16 }, () => 1000)], limit)).toBe(11);
  });

  it('finds the busiest one-second window and the most spans open at once', () => {
    expect(peakPerSecond([0, 100, 999, 999, 1000, 1500, 5000])).toBe(4);
    expect(peakPerSecond([0, 1000, 2000])).toBe(1);
    expect(peakPerSecond([])).toBe(0);
    expect(
      peakOverlap([
        [0, 10],
        [5, 20],
        [10, 30],
        [40, 50],
      ]),
    ).toBe(2);
  });
});
