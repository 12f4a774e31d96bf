import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../clock.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud } from '../kernel.ts';
import { queuePolicyAllowsService } from '../services/sqs-policy.ts';
import { type EventPattern, InvalidEventPatternError, matchesPattern, parseEventPattern } from './pattern.ts';
import { nextFire, parseSchedule } from './schedule.ts';

/** An EventBridge event envelope. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface RuleTarget {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  SqsParameters?: { MessageGroupId?: string };
  [key: string]: unknown;
}

export interface Rule {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: 'ENABLED' | 'DISABLED';
  Description?: string;
  RoleArn?: string;
  ManagedBy?: string;
  targets: Map<string, RuleTarget>;
  pattern?: EventPattern;
  schedule?: TimerHandle;
}

/**
 * What a target handler receives: the payload (after Input / InputPath / InputTransformer) and
 * where it came from — a rule and its event, or an EventBridge Scheduler schedule.
 */
export interface Delivery {
  payload: string;
  target: RuleTarget;
  event?: BusEvent;
  rule?: Rule;
  scheduleArn?: string;
}

/** Delivers to targets of one kind (e.g. every `arn:aws:lambda:` target). */
export type TargetHandler = (delivery: Delivery) => Promise<void> | void;

export interface DeliveryRecord {
  eventId: string;
  rule: string;
  targetId: string;
  targetArn: string;
  ok: boolean;
  error?: string;
}

/**
 * The EventBridge model: buses, rules with event patterns or schedules, targets. Services emit
 * their events here (`emit`); matched events go to SQS queues directly and to in-process target
 * handlers registered per ARN prefix (Lambda, Step Functions, ... — see `registerTargetHandler`).
 * Delivery is asynchronous but takes no virtual time.
 */
export class EventBus {
  readonly #cloud: LocalCloud;
  readonly #buses = new Map<string, { Name: string; Arn: string }>();
  readonly #rules = new Map<string, Rule>();
  readonly #handlers: Array<{ prefix: string; handler: TargetHandler }> = [];
  readonly #listeners = new Set<(event: BusEvent) => void>();
  readonly #inflight = new Set<Promise<void>>();
  /** The most recent events put on any bus (newest last, at most 1,000). */
  readonly log: BusEvent[] = [];
  /** The most recent deliveries to targets (newest last, at most 1,000). */
  readonly deliveries: DeliveryRecord[] = [];
  /** Events whose DLQ refused EventBridge (its policy does not allow the rule): lost, as on AWS. */
  readonly failedToDeadLetter: Array<{
    eventId: string;
    ruleArn: string;
    targetArn: string;
    queueArn: string;
  }> = [];

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    this.#buses.set('default', { Name: 'default', Arn: cloud.arn('events', 'event-bus/default') });
  }

  /** Emits an event on behalf of an AWS service (S3, ECR, ECS, CloudFormation, ...). */
  emit(event: {
    source: string;
    detailType: string;
    detail: Record<string, unknown>;
    resources?: string[];
    busName?: string;
  }): BusEvent {
    const envelope: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: this.#cloud.accountId,
      time: isoSeconds(this.#cloud.clock.date()),
      region: this.#cloud.region,
      resources: event.resources ?? [],
      detail: event.detail,
    };
    this.#dispatch(envelope, event.busName ?? 'default');
    return envelope;
  }

  /** PutEvents: validates each entry like EventBridge and dispatches the accepted ones. */
  putEvents(
    entries: Array<{
      Source?: string;
      DetailType?: string;
      Detail?: string;
      Resources?: string[];
      EventBusName?: string;
      Time?: Date | number;
    }>,
  ): {
    FailedEntryCount: number;
    Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
  } {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      throw new AwsError('ValidationException', 'Entries must contain between 1 and 10 items.');
    }
    let failed = 0;
    const results = entries.map((entry) => {
      const error = (code: string, message: string) => {
        failed++;
        return { ErrorCode: code, ErrorMessage: message };
      };
      if (!entry.Source)
        return error(
          'InvalidArgument',
          'Parameter Source is not valid. Reason: Source is a required argument.',
        );
      if (!entry.DetailType) {
        return error(
          'InvalidArgument',
          'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        );
      }
      if (!entry.Detail)
        return error(
          'InvalidArgument',
          'Parameter Detail is not valid. Reason: Detail is a required argument.',
        );
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return error('MalformedDetail', 'Detail is malformed.');
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        return error('MalformedDetail', 'Detail is malformed.');
      }
      const busName = busNameOf(entry.EventBusName);
      if (!this.#buses.has(busName))
        return error('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
      const time = entry.Time === undefined ? this.#cloud.clock.date() : new Date(toMillis(entry.Time));
      const envelope: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.#cloud.accountId,
        time: isoSeconds(time),
        region: this.#cloud.region,
        resources: entry.Resources ?? [],
        detail: detail as Record<string, unknown>,
      };
      this.#dispatch(envelope, busName);
      return { EventId: envelope.id };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  /** Creates an event bus. */
  createEventBus(name: string): { EventBusArn: string } {
    if (this.#buses.has(name))
      throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus = { Name: name, Arn: this.#cloud.arn('events', `event-bus/${name}`) };
    this.#buses.set(name, bus);
    return { EventBusArn: bus.Arn };
  }

  listEventBuses(): Array<{ Name: string; Arn: string }> {
    return [...this.#buses.values()];
  }

  /** Creates or updates a rule (pattern and/or schedule). */
  putRule(input: {
    Name: string;
    EventPattern?: string;
    ScheduleExpression?: string;
    State?: 'ENABLED' | 'DISABLED';
    Description?: string;
    RoleArn?: string;
    EventBusName?: string;
  }): { RuleArn: string } {
    if (!input.Name) throw new AwsError('ValidationException', 'Rule name is required.');
    if (!input.EventPattern && !input.ScheduleExpression) {
      throw new AwsError(
        'ValidationException',
        'Parameter(s) EventPattern or ScheduleExpression must be specified.',
      );
    }
    const busName = busNameOf(input.EventBusName);
    if (!this.#buses.has(busName))
      throw new AwsError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
    let pattern: EventPattern | undefined;
    if (input.EventPattern) {
      try {
        pattern = parseEventPattern(input.EventPattern);
      } catch (error) {
        if (error instanceof InvalidEventPatternError)
          throw new AwsError('InvalidEventPatternException', error.message);
        throw error;
      }
    }
    if (input.ScheduleExpression) parseSchedule(input.ScheduleExpression);
    const key = ruleKey(busName, input.Name);
    const existing = this.#rules.get(key);
    existing?.schedule?.cancel();
    const rule: Rule = {
      Name: input.Name,
      Arn: this.#cloud.arn(
        'events',
        busName === 'default' ? `rule/${input.Name}` : `rule/${busName}/${input.Name}`,
      ),
      EventBusName: busName,
      EventPattern: input.EventPattern,
      ScheduleExpression: input.ScheduleExpression,
      State: input.State ?? 'ENABLED',
      Description: input.Description,
      RoleArn: input.RoleArn,
      targets: existing?.targets ?? new Map(),
      pattern,
    };
    this.#rules.set(key, rule);
    this.#schedule(rule);
    return { RuleArn: rule.Arn };
  }

  /** Deletes a rule; fails while it still has targets, as EventBridge does. */
  deleteRule(name: string, busName?: string): void {
    const key = ruleKey(busNameOf(busName), name);
    const rule = this.#rules.get(key);
    if (!rule) return;
    if (rule.targets.size > 0)
      throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.");
    rule.schedule?.cancel();
    this.#rules.delete(key);
  }

  /** The rule, or ResourceNotFoundException. */
  describeRule(name: string, busName?: string): Rule {
    const rule = this.#rules.get(ruleKey(busNameOf(busName), name));
    if (!rule)
      throw new AwsError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${busNameOf(busName)}.`,
      );
    return rule;
  }

  listRules(options: { NamePrefix?: string; EventBusName?: string } = {}): Rule[] {
    const busName = busNameOf(options.EventBusName);
    return [...this.#rules.values()]
      .filter(
        (r) => r.EventBusName === busName && (!options.NamePrefix || r.Name.startsWith(options.NamePrefix)),
      )
      .sort((a, b) => a.Name.localeCompare(b.Name));
  }

  setRuleState(name: string, state: 'ENABLED' | 'DISABLED', busName?: string): void {
    const rule = this.describeRule(name, busName);
    rule.State = state;
    this.#schedule(rule);
  }

  putTargets(
    name: string,
    targets: RuleTarget[],
    busName?: string,
  ): { FailedEntryCount: number; FailedEntries: [] } {
    const rule = this.describeRule(name, busName);
    for (const t of targets) {
      if (!t.Id || !t.Arn) throw new AwsError('ValidationException', 'Each target needs an Id and an Arn.');
      rule.targets.set(t.Id, { ...t });
    }
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  removeTargets(
    name: string,
    ids: string[],
    busName?: string,
  ): { FailedEntryCount: number; FailedEntries: [] } {
    const rule = this.describeRule(name, busName);
    for (const id of ids) rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  listTargetsByRule(name: string, busName?: string): RuleTarget[] {
    return [...this.describeRule(name, busName).targets.values()];
  }

  /**
   * Registers the deliverer for every target whose ARN starts with `arnPrefix`
   * (e.g. `arn:aws:lambda:`). Returns a function that unregisters it.
   */
  registerTargetHandler(arnPrefix: string, handler: TargetHandler): () => void {
    const entry = { prefix: arnPrefix, handler };
    this.#handlers.push(entry);
    return () => {
      const i = this.#handlers.indexOf(entry);
      if (i >= 0) this.#handlers.splice(i, 1);
    };
  }

  /** Observes every event accepted on any bus (after fault drops). */
  subscribe(listener: (event: BusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once every delivery started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  dispose(): void {
    for (const rule of this.#rules.values()) rule.schedule?.cancel();
  }

  #schedule(rule: Rule): void {
    rule.schedule?.cancel();
    rule.schedule = undefined;
    if (!rule.ScheduleExpression || rule.State !== 'ENABLED') return;
    const schedule = parseSchedule(rule.ScheduleExpression);
    const start = this.#cloud.clock.now();
    const arm = (after: number) => {
      const at = nextFire(schedule, after, start);
      if (at === undefined) return;
      rule.schedule = this.#cloud.clock.setBackgroundTimer(at - this.#cloud.clock.now(), () => {
        arm(at);
        const event: BusEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: this.#cloud.accountId,
          time: isoSeconds(this.#cloud.clock.date()),
          region: this.#cloud.region,
          resources: [rule.Arn],
          detail: {},
        };
        this.#record(event);
        for (const target of rule.targets.values()) this.#deliver(event, rule, target);
      });
    };
    arm(start);
  }

  #record(event: BusEvent): void {
    this.log.push(event);
    if (this.log.length > 1000) this.log.shift();
    for (const l of this.#listeners) l(event);
  }

  #dispatch(event: BusEvent, busName: string): void {
    if (this.#cloud.faults.takeEventDrop({ source: event.source, detailType: event['detail-type'] })) return;
    this.#record(event);
    for (const rule of this.#rules.values()) {
      if (rule.EventBusName !== busName || rule.State !== 'ENABLED' || !rule.pattern) continue;
      if (!matchesPattern(rule.pattern, event)) continue;
      for (const target of rule.targets.values()) this.#deliver(event, rule, target);
    }
  }

  /**
   * Delivers a payload to one target: SQS queues directly, everything else through the handler
   * registered for its ARN prefix. Throws when no handler is registered.
   */
  async deliverToTarget(delivery: Delivery & { deduplicationId: string }): Promise<void> {
    const { target, payload } = delivery;
    if (target.Arn.startsWith('arn:aws:sqs:')) {
      this.#cloud.sqs.deliverFromEventBridge(target.Arn, payload, {
        groupId: target.SqsParameters?.MessageGroupId,
        deduplicationId: delivery.deduplicationId,
      });
      return;
    }
    const h = this.#handlers.find((x) => target.Arn.startsWith(x.prefix));
    if (!h) throw new Error(`no target handler registered for ${target.Arn}`);
    await h.handler({
      payload,
      target,
      event: delivery.event,
      rule: delivery.rule,
      scheduleArn: delivery.scheduleArn,
    });
  }

  /** Tracks asynchronous work so `drain()` can wait for it. */
  track(work: () => Promise<void>, record: Omit<DeliveryRecord, 'ok' | 'error'>): void {
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .then(
        () => this.#recordDelivery({ ...record, ok: true }),
        (error: unknown) =>
          this.#recordDelivery({
            ...record,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          }),
      )
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }

  /**
   * One delivery of an event to a rule's target, as EventBridge makes it: a failed call is retried
   * with exponential back-off until the target's RetryPolicy runs out (default 185 attempts or 24
   * hours), then the event goes to the target's DeadLetterConfig queue with RULE_ARN, TARGET_ARN,
   * ERROR_CODE and ERROR_MESSAGE attributes. Missing permissions and missing targets are not
   * retried: the event goes straight to the DLQ. Without a DLQ the event is dropped. Sources:
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html and
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html (read 2026-12-07).
   * AWS publishes no back-off schedule; here it is 1 s doubling to at most 5 min, without jitter.
   */
  #deliver(event: BusEvent, rule: Rule, target: RuleTarget): void {
    const firstAt = this.#cloud.clock.now();
    const policy = (target.RetryPolicy ?? {}) as {
      MaximumRetryAttempts?: number;
      MaximumEventAgeInSeconds?: number;
    };
    const maxRetries = policy.MaximumRetryAttempts ?? 185;
    const maxAgeMs = (policy.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    const attempt = (retries: number) =>
      this.track(
        async () => {
          const injected = this.#cloud.faults.takeTargetFailure(target.Arn);
          try {
            if (injected) throw Object.assign(new Error(injected.message), { name: injected.code });
            await this.deliverToTarget({
              payload: transformInput(event, target),
              target,
              event,
              rule,
              deduplicationId: event.id,
            });
          } catch (error) {
            const e = error instanceof Error ? error : new Error(String(error));
            const delay = Math.min(1000 * 2 ** retries, 300_000);
            const final = /^(AccessDenied|ResourceNotFound)/.test(e.name);
            const exhausted =
              retries >= maxRetries
                ? 'MaximumRetryAttempts'
                : this.#cloud.clock.now() + delay - firstAt > maxAgeMs
                  ? 'MaximumEventAgeInSeconds'
                  : undefined;
            if (!final && !exhausted) {
              this.#cloud.clock.setTimer(delay, () => attempt(retries + 1));
            } else {
              await this.#deadLetter(event, rule, target, e, retries, final ? undefined : exhausted);
            }
            throw e;
          }
        },
        { eventId: event.id, rule: rule.Name, targetId: target.Id, targetArn: target.Arn },
      );
    attempt(0);
  }

  /**
   * Sends an undeliverable event to the target's DLQ. Dropped, as on AWS, when the target has none
   * or when the queue's policy does not let EventBridge send from this rule (eb-rule-dlq.html:
   * InvocationsFailedToBeSentToDlq; kept in `failedToDeadLetter`).
   */
  async #deadLetter(
    event: BusEvent,
    rule: Rule,
    target: RuleTarget,
    error: Error,
    retries: number,
    exhausted: string | undefined,
  ): Promise<void> {
    const dlq = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
    if (!dlq) return;
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    const queue = this.#cloud.sqs.queue(dlq);
    this.#cloud.clock.busy();
    let allowed: boolean;
    try {
      allowed = await queuePolicyAllowsService(queue.attributes.Policy, {
        service: 'events.amazonaws.com',
        action: 'sqs:SendMessage',
        queueArn: dlq,
        sourceArn: rule.Arn,
        accountId: this.#cloud.accountId,
      });
    } finally {
      this.#cloud.clock.idle();
    }
    if (!allowed) {
      this.failedToDeadLetter.push({
        eventId: event.id,
        ruleArn: rule.Arn,
        targetArn: target.Arn,
        queueArn: dlq,
      });
      return;
    }
    this.#cloud.sqs.sendMessage(queue.name, {
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        RULE_ARN: text(rule.Arn),
        TARGET_ARN: text(target.Arn),
        ERROR_CODE: text(error.name),
        ERROR_MESSAGE: text(error.message),
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(retries) },
        ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: text(exhausted) } : {}),
      },
    });
  }

  #recordDelivery(record: DeliveryRecord): void {
    this.deliveries.push(record);
    if (this.deliveries.length > 1000) this.deliveries.shift();
  }
}

/** Applies a target's Input / InputPath / InputTransformer to an event. */
export function transformInput(event: BusEvent, target: RuleTarget): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath) return JSON.stringify(jsonPath(event, target.InputPath) ?? null);
  if (target.InputTransformer) {
    const values: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap ?? {})) {
      values[name] = jsonPath(event, path);
    }
    return target.InputTransformer.InputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) => {
      if (name === 'aws.events.event.json') return JSON.stringify(event);
      if (!(name in values)) return whole;
      const v = values[name];
      return typeof v === 'string' ? v : JSON.stringify(v ?? null);
    });
  }
  return JSON.stringify(event);
}

/** Resolves a simple JSONPath (`$.detail.a.b`, `$.resources[0]`). */
export function jsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  const parts = path.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  const i = nameOrArn.indexOf(':event-bus/');
  return i >= 0 ? nameOrArn.slice(i + ':event-bus/'.length) : nameOrArn;
}

function ruleKey(bus: string, name: string): string {
  return `${bus}/${name}`;
}

function toMillis(t: Date | number): number {
  return t instanceof Date ? t.getTime() : t * 1000;
}

/** EventBridge times have second precision: `2026-11-26T06:00:00Z`. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
