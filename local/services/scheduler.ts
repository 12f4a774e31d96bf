import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../clock.ts';
import { AwsError } from '../errors.ts';
import { nextFire, type Schedule as ParsedSchedule, parseSchedule } from '../events/schedule.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  SqsParameters?: { MessageGroupId?: string };
  [key: string]: unknown;
}

export interface Schedule {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  State: 'ENABLED' | 'DISABLED';
  Target: ScheduleTarget;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  Description?: string;
  StartDate?: Date;
  EndDate?: Date;
  CreationDate: Date;
  LastModificationDate: Date;
  timer?: TimerHandle;
}

/**
 * EventBridge Scheduler (restJson): schedules with `at()`, `rate()` and `cron()` (UTC) firing on
 * the virtual clock; the target receives `Target.Input` as is (no envelope). SQS targets are
 * delivered directly, others through the event bus's target handlers.
 */
export class SchedulerModel {
  readonly #cloud: LocalCloud;
  readonly schedules = new Map<string, Schedule>();
  readonly groups = new Set<string>(['default']);

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  createSchedule(input: {
    Name: string;
    GroupName?: string;
    ScheduleExpression: string;
    ScheduleExpressionTimezone?: string;
    Target: ScheduleTarget;
    FlexibleTimeWindow?: Schedule['FlexibleTimeWindow'];
    State?: Schedule['State'];
    ActionAfterCompletion?: Schedule['ActionAfterCompletion'];
    Description?: string;
    StartDate?: Date;
    EndDate?: Date;
  }): Schedule {
    const group = input.GroupName ?? 'default';
    if (!this.groups.has(group))
      throw new AwsError('ResourceNotFoundException', `Schedule group ${group} does not exist.`, {
        statusCode: 404,
      });
    const key = `${group}/${input.Name}`;
    if (this.schedules.has(key))
      throw new AwsError('ConflictException', `Schedule ${input.Name} already exists.`, { statusCode: 409 });
    this.#validate(input);
    const now = this.#cloud.clock.date();
    const schedule: Schedule = {
      Arn: this.#cloud.arn('scheduler', `schedule/${group}/${input.Name}`),
      Name: input.Name,
      GroupName: group,
      ScheduleExpression: input.ScheduleExpression,
      ScheduleExpressionTimezone: input.ScheduleExpressionTimezone,
      State: input.State ?? 'ENABLED',
      Target: input.Target,
      FlexibleTimeWindow: input.FlexibleTimeWindow ?? { Mode: 'OFF' },
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      Description: input.Description,
      StartDate: input.StartDate,
      EndDate: input.EndDate,
      CreationDate: now,
      LastModificationDate: now,
    };
    this.schedules.set(key, schedule);
    this.#arm(schedule);
    return schedule;
  }

  schedule(name: string, group = 'default'): Schedule {
    const s = this.schedules.get(`${group}/${name}`);
    if (!s)
      throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist.`, {
        statusCode: 404,
      });
    return s;
  }

  updateSchedule(input: Parameters<SchedulerModel['createSchedule']>[0]): Schedule {
    const s = this.schedule(input.Name, input.GroupName);
    this.#validate(input);
    s.timer?.cancel();
    Object.assign(s, {
      ScheduleExpression: input.ScheduleExpression,
      ScheduleExpressionTimezone: input.ScheduleExpressionTimezone,
      Target: input.Target,
      FlexibleTimeWindow: input.FlexibleTimeWindow ?? { Mode: 'OFF' },
      State: input.State ?? 'ENABLED',
      ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      Description: input.Description,
      StartDate: input.StartDate,
      EndDate: input.EndDate,
      LastModificationDate: this.#cloud.clock.date(),
    });
    this.#arm(s);
    return s;
  }

  deleteSchedule(name: string, group = 'default'): void {
    const s = this.schedule(name, group);
    s.timer?.cancel();
    this.schedules.delete(`${group}/${name}`);
  }

  #validate(input: {
    ScheduleExpression: string;
    ScheduleExpressionTimezone?: string;
    Target?: ScheduleTarget;
  }): ParsedSchedule {
    if (input.ScheduleExpressionTimezone && input.ScheduleExpressionTimezone !== 'UTC') {
      throw new AwsError(
        'ValidationException',
        'The local cloud evaluates schedules in UTC only (ScheduleExpressionTimezone must be UTC).',
      );
    }
    if (!input.Target?.Arn || !input.Target.RoleArn)
      throw new AwsError('ValidationException', 'Target Arn and RoleArn are required.');
    return parseSchedule(input.ScheduleExpression, { allowAt: true });
  }

  #arm(s: Schedule): void {
    s.timer?.cancel();
    s.timer = undefined;
    if (s.State !== 'ENABLED') return;
    const parsed = parseSchedule(s.ScheduleExpression, { allowAt: true });
    const start = Math.max(this.#cloud.clock.now(), s.StartDate?.getTime() ?? 0);
    const schedule = (after: number) => {
      // at() already in the past fires at once, as Scheduler does.
      const at =
        parsed.kind === 'at'
          ? parsed.time > after
            ? parsed.time
            : after === start
              ? start
              : undefined
          : nextFire(parsed, after, start);
      if (at === undefined || (s.EndDate && at > s.EndDate.getTime())) return;
      s.timer = this.#cloud.clock.setBackgroundTimer(at - this.#cloud.clock.now(), () => {
        this.#fire(s);
        if (parsed.kind === 'at') {
          if (s.ActionAfterCompletion === 'DELETE') this.schedules.delete(`${s.GroupName}/${s.Name}`);
          return;
        }
        schedule(at);
      });
    };
    schedule(start);
  }

  #fire(s: Schedule): void {
    const payload = s.Target.Input ?? '{}';
    const bus = this.#cloud.eventBus;
    bus.track(
      () =>
        bus.deliverToTarget({
          payload,
          target: { Id: s.Name, ...s.Target },
          scheduleArn: s.Arn,
          deduplicationId: randomUUID(),
        }),
      { eventId: `schedule:${s.Arn}`, rule: s.Name, targetId: s.Name, targetArn: s.Target.Arn },
    );
  }

  #view(s: Schedule) {
    const { timer: _t, ...rest } = s;
    return rest;
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    return {
      protocol: 'restJson',
      operations: {
        CreateSchedule: (input) => ({ ScheduleArn: this.createSchedule(input).Arn }),
        UpdateSchedule: (input) => ({ ScheduleArn: this.updateSchedule(input).Arn }),
        GetSchedule: (input) => this.#view(this.schedule(input.Name, input.GroupName)),
        DeleteSchedule: (input) => {
          this.deleteSchedule(input.Name, input.GroupName);
          return {};
        },
        ListSchedules: (input) => ({
          Schedules: [...this.schedules.values()]
            .filter(
              (s) =>
                (!input.GroupName || s.GroupName === input.GroupName) &&
                (!input.NamePrefix || s.Name.startsWith(input.NamePrefix)) &&
                (!input.State || s.State === input.State),
            )
            .map((s) => ({
              Arn: s.Arn,
              Name: s.Name,
              GroupName: s.GroupName,
              State: s.State,
              CreationDate: s.CreationDate,
              LastModificationDate: s.LastModificationDate,
              Target: { Arn: s.Target.Arn },
            })),
        }),
        CreateScheduleGroup: (input) => {
          if (this.groups.has(input.Name))
            throw new AwsError('ConflictException', `Schedule group ${input.Name} already exists.`, {
              statusCode: 409,
            });
          this.groups.add(input.Name);
          return { ScheduleGroupArn: this.#cloud.arn('scheduler', `schedule-group/${input.Name}`) };
        },
        ListScheduleGroups: () => ({
          ScheduleGroups: [...this.groups].map((g) => ({
            Name: g,
            Arn: this.#cloud.arn('scheduler', `schedule-group/${g}`),
            State: 'ACTIVE',
          })),
        }),
      },
    };
  }
}
