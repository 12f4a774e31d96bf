import { describe, expect, it } from 'vitest';
import { type BusEvent, transformInput } from '#local/events/bus.ts';
import { nextFire, parseSchedule } from '#local/events/schedule.ts';

const t = (iso: string) => Date.parse(iso);

describe('schedule expressions', () => {
  it('fires rate() schedules every period from their start', () => {
    const schedule = parseSchedule('rate(5 minutes)');

    expect(nextFire(schedule, t('2026-11-26T06:00:00Z'))).toBe(t('2026-11-26T06:05:00Z'));
    expect(nextFire(schedule, t('2026-11-26T06:07:00Z'), t('2026-11-26T06:00:00Z'))).toBe(
      t('2026-11-26T06:10:00Z'),
    );
  });

  it('evaluates cron() fields in UTC', () => {
    const everyFive = parseSchedule('cron(0/5 * * * ? *)');
    const weekdays = parseSchedule('cron(30 2 ? * 2-6 *)');

    expect(nextFire(everyFive, t('2026-11-26T06:02:10Z'))).toBe(t('2026-11-26T06:05:00Z'));
    // 2026-11-28 is a Saturday: the next weekday run is Monday 30 Nov at 02:30.
    expect(nextFire(weekdays, t('2026-11-27T03:00:00Z'))).toBe(t('2026-11-30T02:30:00Z'));
  });

  it('fires at() once and only for Scheduler', () => {
    const at = parseSchedule('at(2026-11-26T07:00:00)', { allowAt: true });

    expect(nextFire(at, t('2026-11-26T06:00:00Z'))).toBe(t('2026-11-26T07:00:00Z'));
    expect(nextFire(at, t('2026-11-26T07:00:00Z'))).toBeUndefined();
    expect(() => parseSchedule('at(2026-11-26T07:00:00)')).toThrow('Invalid Schedule Expression');
  });

  it('rejects malformed expressions', () => {
    for (const bad of [
      'rate(0 minutes)',
      'rate(1 minutes)',
      'rate(5 minute)',
      'cron(* * * * *)',
      'cron(0 0 * * * *)',
      'every day',
    ]) {
      expect(() => parseSchedule(bad), bad).toThrow('Invalid Schedule Expression');
    }
  });
});

describe('target input transformation', () => {
  const event: BusEvent = {
    version: '0',
    id: 'id-1',
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: '000000000000',
    time: '2026-11-26T06:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { 'repository-name': 'acme', 'image-digest': 'sha256:1', count: 2 },
  };

  it('passes the whole event, a constant, a path or a template', () => {
    expect(JSON.parse(transformInput(event, { Id: 't', Arn: 'a' }))).toEqual(event);
    expect(transformInput(event, { Id: 't', Arn: 'a', Input: '{"fixed":true}' })).toBe('{"fixed":true}');
    expect(JSON.parse(transformInput(event, { Id: 't', Arn: 'a', InputPath: '$.detail' }))).toEqual(
      event.detail,
    );
    expect(
      transformInput(event, {
        Id: 't',
        Arn: 'a',
        InputTransformer: {
          InputPathsMap: { repo: '$.detail.repository-name', n: '$.detail.count' },
          InputTemplate: '{"repository":"<repo>","count":<n>}',
        },
      }),
    ).toBe('{"repository":"acme","count":2}');
  });
});
