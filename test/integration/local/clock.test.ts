import { describe, expect, it } from 'vitest';
import { VirtualClock } from '#local/clock.ts';
import { Durations } from '#local/durations.ts';

describe('virtual clock', () => {
  it('only moves when advanced in manual mode and fires timers in time order', async () => {
    const clock = new VirtualClock({ start: 1_000_000, speed: 0 });
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(200, () => {
      fired.push(`b@${clock.now()}`);
      clock.setTimer(50, () => fired.push(`b2@${clock.now()}`));
    });

    await new Promise((r) => setTimeout(r, 20));
    const before = clock.now();
    await clock.advance(260);

    expect(before).toBe(1_000_000);
    expect(fired).toEqual(['a@1000100', 'b@1000200', 'b2@1000250']);
    expect(clock.now()).toBe(1_000_260);
    expect(clock.pending()).toBe(1);
  });

  it('resolves sleeps and cancels timers', async () => {
    const clock = new VirtualClock({ start: 0, speed: 0 });
    let woke = false;
    const handle = clock.setTimer(10, () => {
      throw new Error('cancelled timer ran');
    });
    void clock.sleep(5_000).then(() => {
      woke = true;
    });

    handle.cancel();
    await clock.advance(4_999);
    const early = woke;
    await clock.advance(1);

    expect(early).toBe(false);
    expect(woke).toBe(true);
  });

  it('jumps to the next timer when idle in instant mode', async () => {
    const clock = new VirtualClock({ start: 0, speed: 'instant' });

    await clock.sleep(3_600_000);

    expect(clock.now()).toBe(3_600_000);
  });

  it('runs faster than real time by the speed factor', async () => {
    const clock = new VirtualClock({ start: 0, speed: 10_000 });

    await clock.sleep(60_000);

    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
  });

  it('waits for in-flight work before an instant jump', async () => {
    const clock = new VirtualClock({ start: 0, speed: 'instant' });
    let fired = false;
    clock.busy();
    clock.setTimer(1_000, () => {
      fired = true;
    });

    await new Promise((r) => setTimeout(r, 30));
    const whileBusy = fired;
    clock.idle();
    await new Promise((r) => setTimeout(r, 30));

    expect(whileBusy).toBe(false);
    expect(fired).toBe(true);
  });
});

describe("the 'auto' clock (a cloud people drive with commands)", () => {
  it('jumps through work but leaves background timers to real time', async () => {
    // Prepare: a 10-minute piece of work, a 5-minute schedule and a 30-minute TTL.
    const clock = new VirtualClock({ start: 0, speed: 'auto' });
    const fired: string[] = [];
    const every5 = () =>
      clock.setBackgroundTimer(300_000, () => {
        fired.push(`schedule@${Math.round(clock.now() / 60_000)}m`);
        every5();
      });
    every5();
    clock.setBackgroundTimer(1_800_000, () => fired.push('ttl'));
    // Act
    await clock.sleep(600_000);
    const afterWork = clock.now();
    await new Promise((r) => setTimeout(r, 100));
    // Assess: the work ended at once on the virtual clock, the schedule fired twice on the way,
    // and once nothing was under way time crept on in real time, firing nothing.
    expect(afterWork).toBeGreaterThanOrEqual(600_000);
    expect(afterWork).toBeLessThan(600_000 + 1_000);
    expect(fired).toEqual(['schedule@5m', 'schedule@10m']);
    expect(clock.now() - afterWork).toBeLessThan(5_000);
    clock.dispose();
  });

  it('fires a background timer in real time when it falls due', async () => {
    const clock = new VirtualClock({ start: 0, speed: 'auto' });
    let fired = false;
    clock.setBackgroundTimer(30, () => {
      fired = true;
    });
    await new Promise((r) => setTimeout(r, 120));
    expect(fired).toBe(true);
    expect(clock.now()).toBeLessThan(10_000);
  });

  it("'instant' still jumps to background timers (scripted runs rely on it)", async () => {
    const clock = new VirtualClock({ start: 0, speed: 'instant' });
    let fired = false;
    clock.setBackgroundTimer(3_600_000, () => {
      fired = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toBe(true);
  });
});

describe('durations', () => {
  it('uses published AWS figures and accepts overrides', () => {
    const d = new Durations({
      resources: { 'AWS::RDS::DBCluster': { create: 1_000 } },
      service: { ecsTaskStart: 5 },
    });

    expect(new Durations().resource('AWS::EC2::NatGateway', 'create')).toBe(110_000);
    expect(new Durations().resource('AWS::ElasticLoadBalancingV2::LoadBalancer', 'create')).toBe(150_000);
    expect(new Durations().resource('AWS::Made::Up', 'create')).toBe(2_000);
    expect(d.resource('AWS::RDS::DBCluster', 'create')).toBe(1_000);
    expect(d.resource('AWS::RDS::DBCluster', 'delete')).toBe(240_000);
    expect(d.service.ecsTaskStart).toBe(5);
  });
});
