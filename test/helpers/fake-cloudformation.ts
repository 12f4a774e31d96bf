import { randomUUID } from 'node:crypto';
import {
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import type { AwsStub } from 'aws-sdk-client-mock';
import { parseStackName, type Stage } from '#shared/naming.ts';

/**
 * CloudFormation as stackdrop sees it, in memory: stacks that take (scaled) time to create,
 * update and delete, fail on request with a named resource, and announce each final status as
 * the EventBridge *Stack Status Change* event — which a test can drop to exercise the fallback.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export interface StackFailureSpec {
  logicalId: string;
  type: string;
  reason: string;
}

interface FakeStack {
  stackId: string;
  name: string;
  stage?: Stage;
  status: string;
  reason?: string;
  templateBody?: string;
  parameters: string;
  outputs: Record<string, string>;
  terminationProtection: boolean;
  events: StackEvent[];
}

export interface StackStatusChangeEnvelope {
  version: '0';
  id: string;
  'detail-type': 'CloudFormation Stack Status Change';
  source: 'aws.cloudformation';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    'stack-id': string;
    'status-details': { status: string; 'status-reason': string };
    'client-request-token'?: string;
  };
}

export interface FakeCloudFormationOptions {
  /** Real milliseconds per simulated second. */
  scale: number;
  /** Simulated seconds an operation of a stage takes. */
  durationSeconds: (stage: Stage | undefined, operation: 'create' | 'update' | 'delete') => number;
  /** Outputs a stage's stack reports once created. */
  outputs: (stage: Stage | undefined) => Record<string, string>;
  /** Receives every final-status event EventBridge would deliver. */
  onEvent: (event: StackStatusChangeEnvelope) => void;
}

function validation(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
}

export class FakeCloudFormation {
  readonly stacks = new Map<string, FakeStack>();
  /** Mutating calls in order, e.g. `CreateStack stackdrop-acme-production-network`. */
  readonly calls: string[] = [];
  /** The next operation on this stack fails at this resource. */
  readonly failNext = new Map<string, StackFailureSpec>();
  /** Return true to lose this event (EventBridge never delivers it). */
  dropEvent: (stackName: string, status: string) => boolean = () => false;
  /** How many ContinueUpdateRollback calls end in UPDATE_ROLLBACK_FAILED again (a resource still stuck). */
  rollbackStaysFailed = 0;
  /** Called before every mutating call (e.g. to look at what was stored before it). */
  beforeCall: (call: string) => void = () => {};
  private readonly timers = new Set<NodeJS.Timeout>();

  private readonly options: FakeCloudFormationOptions;

  // biome-ignore lint/suspicious/noExplicitAny: the stub's generics differ per client version.
  constructor(stub: AwsStub<any, any, any>, options: FakeCloudFormationOptions) {
    this.options = options;
    stub.on(DescribeStacksCommand).callsFake((input) => {
      const stack = this.find(input.StackName!);
      if (!stack) throw validation(`Stack with id ${input.StackName} does not exist`);
      return {
        Stacks: [
          {
            StackId: stack.stackId,
            StackName: stack.name,
            StackStatus: stack.status,
            StackStatusReason: stack.reason,
            EnableTerminationProtection: stack.terminationProtection,
            CreationTime: new Date(),
            Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
              OutputKey,
              OutputValue,
            })),
          },
        ],
      };
    });
    stub.on(DescribeStackEventsCommand).callsFake((input) => {
      const stack = this.find(input.StackName!);
      if (!stack) throw validation(`Stack with id ${input.StackName} does not exist`);
      return { StackEvents: stack.events };
    });
    stub.on(CreateStackCommand).callsFake((input) => {
      this.calls.push(`CreateStack ${input.StackName}`);
      this.beforeCall(this.calls.at(-1)!);
      const existing = this.stacks.get(input.StackName!);
      if (existing && existing.status !== 'DELETE_COMPLETE') {
        throw Object.assign(new Error(`Stack [${input.StackName}] already exists`), {
          name: 'AlreadyExistsException',
        });
      }
      const stack: FakeStack = {
        stackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${input.StackName}/${randomUUID()}`,
        name: input.StackName!,
        stage: parseStackName(input.StackName!)?.stage,
        status: 'CREATE_IN_PROGRESS',
        templateBody: input.TemplateBody,
        parameters: JSON.stringify(input.Parameters ?? []),
        outputs: {},
        terminationProtection: input.EnableTerminationProtection ?? false,
        events: [],
      };
      this.stacks.set(stack.name, stack);
      this.run(stack, 'create', input.ClientRequestToken);
      return { StackId: stack.stackId };
    });
    stub.on(UpdateStackCommand).callsFake((input) => {
      this.calls.push(`UpdateStack ${this.find(input.StackName!)?.name ?? input.StackName}`);
      this.beforeCall(this.calls.at(-1)!);
      const stack = this.find(input.StackName!);
      if (!stack || stack.status === 'DELETE_COMPLETE')
        throw validation(`Stack with id ${input.StackName} does not exist`);
      if (['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED'].includes(stack.status)) {
        throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
      }
      if (stack.status.endsWith('_IN_PROGRESS')) {
        throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
      }
      const parameters = JSON.stringify(input.Parameters ?? []);
      if (parameters === stack.parameters && input.TemplateBody === stack.templateBody) {
        throw validation('No updates are to be performed.');
      }
      stack.parameters = parameters;
      stack.templateBody = input.TemplateBody;
      stack.status = 'UPDATE_IN_PROGRESS';
      this.run(stack, 'update', input.ClientRequestToken);
      return { StackId: stack.stackId };
    });
    stub.on(DeleteStackCommand).callsFake((input) => {
      this.calls.push(`DeleteStack ${this.find(input.StackName!)?.name ?? input.StackName}`);
      this.beforeCall(this.calls.at(-1)!);
      const stack = this.find(input.StackName!);
      if (!stack || stack.status === 'DELETE_COMPLETE') return {};
      if (stack.terminationProtection) {
        throw validation(`Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
      }
      stack.status = 'DELETE_IN_PROGRESS';
      this.run(stack, 'delete', input.ClientRequestToken);
      return {};
    });
    // ContinueUpdateRollback is accepted only in UPDATE_ROLLBACK_FAILED
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html).
    stub.on(ContinueUpdateRollbackCommand).callsFake((input) => {
      this.calls.push(`ContinueUpdateRollback ${this.find(input.StackName!)?.name ?? input.StackName}`);
      this.beforeCall(this.calls.at(-1)!);
      const stack = this.find(input.StackName!);
      if (!stack) throw validation(`Stack with id ${input.StackName} does not exist`);
      if (stack.status !== 'UPDATE_ROLLBACK_FAILED') {
        throw validation(
          `Stack:${stack.stackId} is in ${stack.status} state and can not continue update rollback.`,
        );
      }
      stack.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      this.stackEvent(stack, stack.status, input.ClientRequestToken);
      const final = this.rollbackStaysFailed > 0 ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE';
      if (this.rollbackStaysFailed > 0) this.rollbackStaysFailed--;
      this.later(this.options.durationSeconds(stack.stage, 'update') / 4, () =>
        this.finish(stack, final, input.ClientRequestToken),
      );
      return {};
    });
    stub.on(UpdateTerminationProtectionCommand).callsFake((input) => {
      this.calls.push(`UpdateTerminationProtection ${this.find(input.StackName!)?.name ?? input.StackName}`);
      this.beforeCall(this.calls.at(-1)!);
      const stack = this.find(input.StackName!);
      if (!stack) throw validation(`Stack with id ${input.StackName} does not exist`);
      stack.terminationProtection = input.EnableTerminationProtection ?? false;
      return { StackId: stack.stackId };
    });
  }

  /** A stack as found by name (not deleted) or by id (even deleted), as CloudFormation resolves them. */
  find(nameOrId: string): FakeStack | undefined {
    if (nameOrId.startsWith('arn:')) return [...this.stacks.values()].find((s) => s.stackId === nameOrId);
    const stack = this.stacks.get(nameOrId);
    return stack && stack.status !== 'DELETE_COMPLETE' ? stack : undefined;
  }

  /**
   * Places a stack that exists before the test, e.g. left in ROLLBACK_COMPLETE by an earlier run,
   * or with an operation still in progress that ends after `finishInSeconds`.
   */
  seed(
    name: string,
    status: string,
    options: {
      parameters?: string;
      templateBody?: string;
      finishInSeconds?: number;
      finalStatus?: string;
      terminationProtection?: boolean;
    } = {},
  ): void {
    const stage = parseStackName(name)?.stage;
    const stack: FakeStack = {
      stackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/${randomUUID()}`,
      name,
      stage,
      status,
      parameters: options.parameters ?? '[]',
      ...(options.templateBody ? { templateBody: options.templateBody } : {}),
      outputs: status === 'ROLLBACK_COMPLETE' ? {} : this.options.outputs(stage),
      terminationProtection: options.terminationProtection ?? false,
      events: [],
    };
    this.stacks.set(name, stack);
    if (options.finishInSeconds !== undefined) {
      this.later(options.finishInSeconds, () =>
        this.finish(stack, options.finalStatus ?? 'UPDATE_COMPLETE', `other-${randomUUID()}`),
      );
    }
  }

  /** Cancels pending completions (end of a test). */
  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(seconds: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, seconds * this.options.scale);
    this.timers.add(timer);
  }

  private stackEvent(
    stack: FakeStack,
    status: string,
    crt?: string,
    resource?: StackFailureSpec,
    reason?: string,
  ): void {
    stack.events.unshift({
      StackId: stack.stackId,
      EventId: randomUUID(),
      StackName: stack.name,
      LogicalResourceId: resource?.logicalId ?? stack.name,
      ResourceType: resource?.type ?? 'AWS::CloudFormation::Stack',
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ...(reason ? { ResourceStatusReason: reason } : {}),
      ...(crt ? { ClientRequestToken: crt } : {}),
      Timestamp: new Date(),
    });
  }

  private run(stack: FakeStack, operation: 'create' | 'update' | 'delete', crt?: string): void {
    const begin = {
      create: 'CREATE_IN_PROGRESS',
      update: 'UPDATE_IN_PROGRESS',
      delete: 'DELETE_IN_PROGRESS',
    }[operation];
    this.stackEvent(stack, begin, crt);
    const failure = this.failNext.get(stack.name);
    this.failNext.delete(stack.name);
    const seconds = this.options.durationSeconds(stack.stage, operation);
    if (!failure) {
      const done = { create: 'CREATE_COMPLETE', update: 'UPDATE_COMPLETE', delete: 'DELETE_COMPLETE' }[
        operation
      ];
      this.later(seconds, () => {
        if (operation !== 'delete') stack.outputs = this.options.outputs(stack.stage);
        this.finish(stack, done, crt);
      });
      return;
    }
    // The failing resource fails part-way; its neighbours are cancelled; CloudFormation rolls back.
    this.later(seconds / 2, () => {
      const failed = operation === 'update' ? 'UPDATE_FAILED' : 'CREATE_FAILED';
      this.stackEvent(stack, failed, crt, failure, failure.reason);
      this.stackEvent(
        stack,
        failed,
        crt,
        { logicalId: 'Neighbour', type: 'AWS::EC2::Subnet', reason: '' },
        'Resource creation cancelled',
      );
      const rollback = operation === 'update' ? 'UPDATE_ROLLBACK_IN_PROGRESS' : 'ROLLBACK_IN_PROGRESS';
      stack.status = rollback;
      stack.reason = `The following resource(s) failed to create: [${failure.logicalId}]. Rollback requested by user.`;
      this.stackEvent(stack, rollback, crt, undefined, stack.reason);
      this.later(seconds / 4, () =>
        this.finish(stack, operation === 'update' ? 'UPDATE_ROLLBACK_COMPLETE' : 'ROLLBACK_COMPLETE', crt),
      );
    });
  }

  private finish(stack: FakeStack, status: string, crt?: string): void {
    stack.status = status;
    this.stackEvent(stack, status, crt);
    if (this.dropEvent(stack.name, status)) return;
    const event: StackStatusChangeEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudFormation Stack Status Change',
      source: 'aws.cloudformation',
      account: ACCOUNT,
      time: new Date().toISOString(),
      region: REGION,
      resources: [stack.stackId],
      detail: {
        'stack-id': stack.stackId,
        'status-details': { status, 'status-reason': stack.reason ?? '' },
        ...(crt ? { 'client-request-token': crt } : {}),
      },
    };
    // EventBridge delivers in ~150 ms (p50); here, shortly after, asynchronously.
    this.later(0.15, () => this.options.onEvent(event));
  }
}
