import { describe, expect, it } from 'vitest';
import {
  circuitBreakerThreshold,
  type TargetGroupTimings,
  type TaskTimings,
  timeCircuitBreaker,
  timeRollout,
  timeToHealthy,
} from '#local/services/ecs-rollout.ts';

const s = 1000;
const task: TaskTimings = { startMs: 30 * s, appReadyMs: 5 * s, stopMs: 5 * s };
const tg: TargetGroupTimings = {
  intervalMs: 10 * s,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  deregistrationDelayMs: 30 * s,
};
const web = { desired: 2, oldRunning: 2, task, targetGroup: tg, gracePeriodMs: 30 * s };

/** The modelled rollout duration, failing the test when the model says the tasks are killed. */
function total(input: Parameters<typeof timeRollout>[0]): number {
  const t = timeRollout(input);
  if ('killed' in t) throw new Error(`killed: ${JSON.stringify(t.killed)}`);
  return t.totalMs;
}

describe('rollout timing from the service settings', () => {
  it('with one batch takes task start + first passing health check + deregistration delay + stop', () => {
    expect(total(web)).toBe(30 * s + 10 * s + 30 * s + 5 * s);
  });

  it('grows with the image: task start is where the pull goes', () => {
    const bigger = { ...web, task: { ...task, startMs: 60 * s } };
    expect(total(bigger) - total(web)).toBe(30 * s);
  });

  it('a shorter health check interval brings the first passing check forward', () => {
    expect(total({ ...web, targetGroup: { ...tg, intervalMs: 5 * s } })).toBe(total(web) - 5 * s);
  });

  it('the healthy threshold does not delay a new target that passes its first check', () => {
    expect(total({ ...web, targetGroup: { ...tg, healthyThreshold: 10 } })).toBe(total(web));
  });

  it('a target unhealthy first (slow boot) needs healthy threshold × interval more', () => {
    const slow = { ...web, task: { ...task, appReadyMs: 25 * s }, gracePeriodMs: 120 * s };
    // Checks at 10 s and 20 s fail (2 = unhealthy threshold), 30 s passes, then 2 passes in all.
    expect(timeToHealthy(slow.task, tg, slow.gracePeriodMs)).toEqual({ healthyMs: 40 * s });
    const moreChecks = { ...slow, targetGroup: { ...tg, healthyThreshold: 5 } };
    expect(total(moreChecks) - total(slow)).toBe(3 * 10 * s);
  });

  it('the deregistration delay adds itself to every batch that drains old tasks behind it', () => {
    const longer = { ...web, targetGroup: { ...tg, deregistrationDelayMs: 300 * s } };
    expect(total(longer) - total(web)).toBe(270 * s);
  });

  it('without a load balancer a task is healthy when RUNNING and stops without draining', () => {
    expect(total({ ...web, targetGroup: undefined })).toBe(30 * s + 5 * s);
  });

  it('maximumPercent 200 replaces every task in one batch; 100 with minimumHealthyPercent 50 takes two', () => {
    const four = { ...web, desired: 4, oldRunning: 4 };
    const oneBatch = timeRollout(four);
    const twoBatches = timeRollout({ ...four, minimumHealthyPercent: 50, maximumPercent: 100 });
    if ('killed' in oneBatch || 'killed' in twoBatches) throw new Error('killed');
    expect(oneBatch.batches.map((b) => b.start)).toEqual([4]);
    expect(twoBatches.batches.map((b) => b.start)).toEqual([2, 2]);
    // One batch: new tasks healthy at 40 s, old ones drained 35 s later. Two: old tasks drain while
    // new ones start, and the second batch starts once the first is healthy.
    expect(oneBatch.totalMs).toBe(40 * s + 35 * s);
    expect(twoBatches.batches.map((b) => [b.startAtMs, b.healthyAtMs, b.drainedAtMs])).toEqual([
      [0, 40 * s, 35 * s],
      [40 * s, 80 * s, 75 * s],
    ]);
    expect(twoBatches.totalMs).toBe(80 * s);
  });

  it('a grace period shorter than the time to recover gets the task killed as unhealthy', () => {
    const slow = { ...web, task: { ...task, appReadyMs: 25 * s } };
    expect(timeRollout({ ...slow, gracePeriodMs: 0 })).toEqual({
      killed: { killedMs: 20 * s, unhealthyMs: 20 * s },
    });
    expect('killed' in timeRollout({ ...slow, gracePeriodMs: 40 * s })).toBe(false);
  });

  it('the grace period does not slow a healthy rollout down', () => {
    expect(total({ ...web, gracePeriodMs: 600 * s })).toBe(total(web));
  });
});

describe('circuit breaker timing', () => {
  it('threshold is 0.5 × desired count, at least 3 and at most 200', () => {
    expect([1, 2, 6, 7, 10, 400, 1000].map(circuitBreakerThreshold)).toEqual([3, 3, 3, 4, 5, 200, 200]);
  });

  it('behind a load balancer a failing task is counted after max(grace period, unhealthy threshold × interval)', () => {
    const failing = timeCircuitBreaker(web);
    // 3 failures, 2 tasks in flight → 2 rounds of (start 30 s + grace 30 s).
    expect(failing).toEqual({ threshold: 3, perRound: 2, roundMs: 60 * s, failedAtMs: 120 * s });
    expect(timeCircuitBreaker({ ...web, gracePeriodMs: 0 }).roundMs).toBe(30 * s + 20 * s);
    expect(timeCircuitBreaker({ ...web, gracePeriodMs: 120 * s }).failedAtMs).toBe(2 * 150 * s);
  });

  it('without a load balancer a task fails when its container exits after boot', () => {
    const worker = { ...web, desired: 1, oldRunning: 1, targetGroup: undefined };
    expect(timeCircuitBreaker(worker)).toEqual({
      threshold: 3,
      perRound: 1,
      roundMs: 35 * s,
      failedAtMs: 105 * s,
    });
  });
});
