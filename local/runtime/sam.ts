import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import type { RuleTarget } from '../events/bus.ts';
import type { FunctionSpec } from './lambda.ts';
import { type IamPlan, planIam } from './sam-iam.ts';
import type { StateMachineSpec } from './stepfunctions.ts';

/** Thrown when template.yaml uses something the local runtime cannot wire. */
export class SamTemplateError extends Error {
  override name = 'SamTemplateError';
}

export interface BucketPlan {
  logicalId: string;
  name: string;
  versioning: boolean;
  eventBridge: boolean;
  /** The bucket's AWS::S3::BucketPolicy document, intrinsics resolved (the local S3 enforces its denies). */
  policy?: { Version?: string; Statement: unknown[] };
}

export interface QueuePlan {
  logicalId: string;
  name: string;
  arn: string;
  attributes: Record<string, string>;
}

export interface RulePlan {
  /** Resource or `<Function>.<Event>` the rule comes from. */
  source: string;
  name: string;
  eventBusName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  targets: RuleTarget[];
}

export interface SchedulePlan {
  source: string;
  name: string;
  groupName: string;
  scheduleExpression: string;
  state: 'ENABLED' | 'DISABLED';
  target: { Arn: string; RoleArn: string; Input?: string };
  description?: string;
}

export interface EventSourceMappingPlan {
  source: string;
  functionName: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

/** Everything template.yaml asks for, with names and ARNs resolved for one local deployment. */
export interface AppPlan {
  stackName: string;
  region: string;
  accountId: string;
  parameters: Record<string, string>;
  buckets: BucketPlan[];
  queues: QueuePlan[];
  functions: FunctionSpec[];
  stateMachines: StateMachineSpec[];
  rules: RulePlan[];
  schedules: SchedulePlan[];
  eventSourceMappings: EventSourceMappingPlan[];
  outputs: Record<string, string>;
  /** Resource types present but with no behaviour to simulate (IAM, logs, alarms, ...), by logical id. */
  passive: Record<string, string>;
  /** The template's roles and their policies (local IAM evaluates every call against them). */
  iam: IamPlan;
}

export interface PlanOptions {
  templatePath: string;
  stackName?: string;
  region?: string;
  accountId?: string;
  parameters?: Record<string, string>;
  /** Endpoint of the local cloud (AWS_ENDPOINT_URL of every function). */
  endpoint: string;
  /** Variables added to (or replacing) every function's environment, e.g. POWERTOOLS_LOG_LEVEL. */
  environmentOverrides?: Record<string, string>;
}

/** Types that exist for AWS's control plane only; the runtime records them and moves on. */
const PASSIVE_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::InstanceProfile',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::Lambda::Permission',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Serverless::LayerVersion',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::CloudWatch::Dashboard',
  'AWS::Logs::MetricFilter',
]);

type Json = unknown;

interface Physical {
  type: string;
  ref: string;
  attrs: Record<string, string>;
}

/** CloudFormation's generated-name suffix, made deterministic for a stack and logical id. */
function suffix(stackName: string, logicalId: string, length = 12): string {
  return createHash('sha256')
    .update(`${stackName}/${logicalId}`)
    .digest('hex')
    .slice(0, length)
    .toUpperCase();
}

function generatedName(stackName: string, logicalId: string, max: number): string {
  const tail = `-${suffix(stackName, logicalId)}`;
  return `${stackName}-${logicalId}`.slice(0, max - tail.length) + tail;
}

/**
 * Reads a SAM template and resolves what the local runtime creates: the bucket, queues,
 * functions (with the environment SAM gives them), state machines (DefinitionSubstitutions
 * applied), rules, schedules and SQS event-source mappings, and the stack's outputs. Names
 * follow CloudFormation's pattern (`<stack>-<LogicalId>-<SUFFIX>`) unless the template names them.
 */
export function planFromTemplate(options: PlanOptions): AppPlan {
  const template: CfnTemplate = parseCfnTemplate(readFileSync(options.templatePath, 'utf8'));
  const root = dirname(resolve(options.templatePath));
  const stackName = options.stackName ?? 'stackdrop';
  const region = options.region ?? 'eu-west-1';
  const accountId = options.accountId ?? '000000000000';
  const arn = (service: string, resource: string, opts: { region?: string; account?: string } = {}) =>
    `arn:aws:${service}:${opts.region ?? region}:${opts.account ?? accountId}:${resource}`;

  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    const value = options.parameters?.[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (value === undefined)
      throw new SamTemplateError(`Parameter ${name} has no default and no value was given`);
    parameters[name] = value;
  }
  const pseudo: Record<string, string> = {
    'AWS::StackName': stackName,
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackId': arn(
      'cloudformation',
      `stack/${stackName}/${suffix(stackName, 'stack', 8).toLowerCase()}`,
    ),
    'AWS::NoValue': '',
  };

  const resources = template.Resources;
  const physical = new Map<string, Physical>();
  const resolveValue = (value: Json): Json =>
    resolveIntrinsics(value, { parameters, pseudo, physical, resources });
  const str = (value: Json): string => {
    const v = resolveValue(value);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new SamTemplateError(`Expected a string, got ${JSON.stringify(v)}`);
    }
    return String(v);
  };

  // Physical names first (names may refer to parameters and pseudo parameters only).
  for (const [id, r] of Object.entries(resources)) {
    const props = (r.Properties ?? {}) as Record<string, Json>;
    const named = (key: string) => (props[key] === undefined ? undefined : str(props[key]));
    switch (r.Type) {
      case 'AWS::S3::Bucket': {
        const name = named('BucketName') ?? generatedName(stackName, id, 63).toLowerCase();
        physical.set(id, {
          type: r.Type,
          ref: name,
          attrs: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` },
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
        let name = named('QueueName') ?? generatedName(stackName, id, fifo ? 75 : 80);
        if (fifo && !name.endsWith('.fifo')) name += '.fifo';
        const url = `${options.endpoint}/${accountId}/${name}`;
        physical.set(id, {
          type: r.Type,
          ref: url,
          attrs: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url },
        });
        break;
      }
      case 'AWS::Serverless::Function': {
        const name = named('FunctionName') ?? generatedName(stackName, id, 64);
        physical.set(id, { type: r.Type, ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } });
        break;
      }
      case 'AWS::Serverless::StateMachine': {
        const name = named('Name') ?? `${id}-${suffix(stackName, id)}`;
        const smArn = arn('states', `stateMachine:${name}`);
        physical.set(id, { type: r.Type, ref: smArn, attrs: { Arn: smArn, Name: name } });
        break;
      }
      case 'AWS::IAM::Role': {
        const name = named('RoleName') ?? generatedName(stackName, id, 64);
        physical.set(id, {
          type: r.Type,
          ref: name,
          attrs: {
            Arn: `arn:aws:iam::${accountId}:role/${name}`,
            RoleId: `AROA${suffix(stackName, id, 17)}`,
          },
        });
        break;
      }
      case 'AWS::IAM::InstanceProfile': {
        const name = named('InstanceProfileName') ?? generatedName(stackName, id, 128);
        physical.set(id, {
          type: r.Type,
          ref: name,
          attrs: { Arn: `arn:aws:iam::${accountId}:instance-profile/${name}` },
        });
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        // Ref is the policy ARN, with its Path and ManagedPolicyName when given.
        const name = named('ManagedPolicyName') ?? generatedName(stackName, id, 128);
        const path = named('Path') ?? '/';
        physical.set(id, { type: r.Type, ref: `arn:aws:iam::${accountId}:policy${path}${name}`, attrs: {} });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = named('LogGroupName') ?? generatedName(stackName, id, 512);
        physical.set(id, { type: r.Type, ref: name, attrs: { Arn: arn('logs', `log-group:${name}:*`) } });
        break;
      }
      case 'AWS::Events::Rule': {
        const name = named('Name') ?? generatedName(stackName, id, 64);
        physical.set(id, { type: r.Type, ref: name, attrs: { Arn: arn('events', `rule/${name}`) } });
        break;
      }
      case 'AWS::Serverless::LayerVersion': {
        const name = generatedName(stackName, id, 64);
        physical.set(id, { type: r.Type, ref: arn('lambda', `layer:${name}:1`), attrs: {} });
        break;
      }
      default: {
        const name = generatedName(stackName, id, 128);
        physical.set(id, { type: r.Type, ref: name, attrs: { Arn: arn('local', name) } });
      }
    }
  }

  // SAM generates `<Function>Role` for a function or state machine without `Role`; the template
  // may reference it (e.g. a bucket policy naming the roles that own a prefix).
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Serverless::Function' && r.Type !== 'AWS::Serverless::StateMachine') continue;
    if ((r.Properties as Record<string, Json> | undefined)?.Role !== undefined || physical.has(`${id}Role`))
      continue;
    const name = generatedName(stackName, `${id}Role`, 64);
    physical.set(`${id}Role`, {
      type: 'AWS::IAM::Role',
      ref: name,
      attrs: {
        Arn: `arn:aws:iam::${accountId}:role/${name}`,
        RoleId: `AROA${suffix(stackName, `${id}Role`, 17)}`,
      },
    });
  }

  // SAM generates an AWS::Events::Rule `<Resource><Event>` for each EventBridgeRule, CloudWatchEvent
  // and Schedule event on the default bus; the template may reference it (a DLQ policy naming the
  // rules that may send to it). Its name is the one planEvent gives the rule.
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Serverless::Function' && r.Type !== 'AWS::Serverless::StateMachine') continue;
    const events = ((r.Properties as Record<string, Json> | undefined)?.Events ?? {}) as Record<
      string,
      { Type?: string; Properties?: Record<string, Json> }
    >;
    for (const [eventId, ev] of Object.entries(events)) {
      const props = ev.Properties ?? {};
      if (!['EventBridgeRule', 'CloudWatchEvent', 'Schedule'].includes(String(ev.Type))) continue;
      if (props.EventBusName !== undefined || props.RuleName !== undefined || props.Name !== undefined)
        continue;
      const name = generatedName(stackName, `${id}${eventId}`, 64);
      physical.set(`${id}${eventId}`, {
        type: 'AWS::Events::Rule',
        ref: name,
        attrs: { Arn: arn('events', `rule/${name}`) },
      });
    }
  }

  const plan: AppPlan = {
    stackName,
    region,
    accountId,
    parameters,
    buckets: [],
    queues: [],
    functions: [],
    stateMachines: [],
    rules: [],
    schedules: [],
    eventSourceMappings: [],
    outputs: {},
    passive: {},
    iam: { roles: [], instanceProfiles: {}, managedPolicies: [] },
  };
  const globalsFunction = ((template.Globals ?? {}) as Record<string, Record<string, Json>>).Function ?? {};
  const fakeRole = (id: string) =>
    `arn:aws:iam::${accountId}:role/${generatedName(stackName, `${id}Role`, 64)}`;

  for (const [id, r] of Object.entries(resources)) {
    const props = (r.Properties ?? {}) as Record<string, Json>;
    const p = physical.get(id)!;
    switch (r.Type) {
      case 'AWS::S3::Bucket': {
        const versioning =
          (resolveValue(props.VersioningConfiguration) as { Status?: string } | undefined)?.Status ===
          'Enabled';
        const notification = resolveValue(props.NotificationConfiguration) as
          | { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean | string } }
          | undefined;
        const eb = notification?.EventBridgeConfiguration?.EventBridgeEnabled;
        plan.buckets.push({
          logicalId: id,
          name: p.ref,
          versioning,
          eventBridge:
            eb === true ||
            eb === 'true' ||
            (eb === undefined && notification?.EventBridgeConfiguration !== undefined),
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        const attributes: Record<string, string> = {};
        for (const key of [
          'FifoQueue',
          'ContentBasedDeduplication',
          'VisibilityTimeout',
          'MessageRetentionPeriod',
          'DelaySeconds',
          'MaximumMessageSize',
          'ReceiveMessageWaitTimeSeconds',
          'SqsManagedSseEnabled',
          'DeduplicationScope',
          'FifoThroughputLimit',
        ]) {
          if (props[key] !== undefined) attributes[key] = String(resolveValue(props[key]));
        }
        if (props.RedrivePolicy !== undefined)
          attributes.RedrivePolicy = JSON.stringify(resolveValue(props.RedrivePolicy));
        plan.queues.push({ logicalId: id, name: p.attrs.QueueName!, arn: p.attrs.Arn!, attributes });
        break;
      }
      case 'AWS::Serverless::Function':
        planFunction(
          id,
          { ...mergeGlobals(globalsFunction, props) },
          (r.Metadata ?? {}) as Record<string, Json>,
        );
        break;
      case 'AWS::Serverless::StateMachine':
        planStateMachine(id, props);
        break;
      case 'AWS::Events::Rule':
        plan.rules.push({
          source: id,
          name: p.ref,
          eventBusName: props.EventBusName === undefined ? 'default' : str(props.EventBusName),
          eventPattern:
            props.EventPattern === undefined ? undefined : JSON.stringify(resolveValue(props.EventPattern)),
          scheduleExpression:
            props.ScheduleExpression === undefined ? undefined : str(props.ScheduleExpression),
          state: props.State === undefined ? 'ENABLED' : (str(props.State) as 'ENABLED' | 'DISABLED'),
          description: props.Description === undefined ? undefined : str(props.Description),
          targets: ((resolveValue(props.Targets) as RuleTarget[] | undefined) ?? []).map((t) => ({ ...t })),
        });
        break;
      case 'AWS::Scheduler::Schedule': {
        const target = resolveValue(props.Target) as { Arn: string; RoleArn: string; Input?: string };
        plan.schedules.push({
          source: id,
          name: props.Name === undefined ? generatedName(stackName, id, 64) : str(props.Name),
          groupName: props.GroupName === undefined ? 'default' : str(props.GroupName),
          scheduleExpression: str(props.ScheduleExpression),
          state: props.State === undefined ? 'ENABLED' : (str(props.State) as 'ENABLED' | 'DISABLED'),
          target,
        });
        break;
      }
      default:
        if (PASSIVE_TYPES.has(r.Type)) plan.passive[id] = r.Type;
        else
          throw new SamTemplateError(`Resource ${id}: the local runtime does not know how to run ${r.Type}`);
    }
  }

  // Bucket policies apply to the bucket they name (after every bucket is planned).
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::S3::BucketPolicy') continue;
    const props = (r.Properties ?? {}) as Record<string, Json>;
    const bucket = plan.buckets.find((b) => b.name === str(props.Bucket));
    if (!bucket)
      throw new SamTemplateError(`Bucket policy ${id} names a bucket this template does not create`);
    bucket.policy = resolveValue(props.PolicyDocument) as BucketPlan['policy'];
  }

  // Queue policies become the queues' Policy attribute, as AWS::SQS::QueuePolicy sets it
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queuepolicy.html):
  // EventBridge may put undeliverable events only into a queue whose policy lets it.
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::SQS::QueuePolicy') continue;
    const props = (r.Properties ?? {}) as Record<string, Json>;
    for (const ref of (props.Queues as Json[] | undefined) ?? []) {
      const url = str(ref);
      const queue = plan.queues.find((q) => url === q.name || url.endsWith(`/${q.name}`));
      if (!queue)
        throw new SamTemplateError(`Queue policy ${id} names a queue this template does not create`);
      queue.attributes.Policy = JSON.stringify(resolveValue(props.PolicyDocument));
    }
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) plan.outputs[name] = str(output.Value);
  plan.iam = planIam({
    resources: resources as Record<string, { Type: string; Properties?: Record<string, Json> }>,
    resolve: resolveValue,
    str,
    generatedRoleArn: fakeRole,
    region,
    accountId,
    templateName: 'template.yaml',
  });
  return plan;

  function planFunction(id: string, props: Record<string, Json>, metadata: Record<string, Json>): void {
    const p = physical.get(id)!;
    const build = (metadata.BuildProperties ?? {}) as { EntryPoints?: string[] };
    const codeUri = props.CodeUri === undefined ? '.' : str(props.CodeUri);
    const handler = str(props.Handler ?? 'index.handler');
    const [file, exportName] = [
      handler.slice(0, handler.lastIndexOf('.')),
      handler.slice(handler.lastIndexOf('.') + 1),
    ];
    const entry = build.EntryPoints?.[0]
      ? resolve(root, codeUri, build.EntryPoints[0])
      : resolve(root, codeUri, `${file}.ts`);
    const layerDirs = ((props.Layers as Json[] | undefined) ?? []).map((layer) => {
      const ref = (layer as { Ref?: string }).Ref;
      const layerResource = ref ? resources[ref] : undefined;
      if (layerResource?.Type !== 'AWS::Serverless::LayerVersion') {
        throw new SamTemplateError(`Function ${id}: only layers defined in the template can run locally`);
      }
      return resolve(root, str(layerResource.Properties?.ContentUri));
    });
    const declared = Object.fromEntries(
      Object.entries(
        (resolveValue(props.Environment) as { Variables?: Record<string, Json> } | undefined)?.Variables ??
          {},
      ).map(([k, v]) => [k, String(v)]),
    );
    // A layer is mounted at /opt on Lambda; locally /opt is the layer's ContentUri.
    for (const [k, v] of Object.entries(declared)) {
      if ((v === '/opt' || v.startsWith('/opt/')) && layerDirs.length === 1)
        declared[k] = layerDirs[0] + v.slice(4);
    }
    const memorySize = Number(resolveValue(props.MemorySize) ?? 128);
    const environment: Record<string, string> = {
      ...declared,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'local-session-token',
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: p.ref,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
      ...options.environmentOverrides,
    };
    const invokeConfig = (resolveValue(props.EventInvokeConfig) ?? {}) as {
      MaximumRetryAttempts?: number;
      MaximumEventAgeInSeconds?: number;
      DestinationConfig?: { OnFailure?: { Destination?: string } };
    };
    plan.functions.push({
      logicalId: id,
      name: p.ref,
      arn: p.attrs.Arn!,
      entry,
      exportName,
      environment,
      timeoutSeconds: Number(resolveValue(props.Timeout) ?? 3),
      memorySize,
      roleArn: props.Role === undefined ? fakeRole(id) : str(props.Role),
      asyncRetries: invokeConfig.MaximumRetryAttempts ?? 2,
      maxEventAgeSeconds: invokeConfig.MaximumEventAgeInSeconds ?? 21_600,
      onFailureArn: invokeConfig.DestinationConfig?.OnFailure?.Destination,
    });
    for (const [eventId, ev] of Object.entries(
      (props.Events ?? {}) as Record<string, { Type: string; Properties?: Record<string, Json> }>,
    )) {
      const ep = (ev.Properties ?? {}) as Record<string, Json>;
      const target: RuleTarget = { Id: `${id}${eventId}LambdaTarget`.slice(0, 64), Arn: p.attrs.Arn! };
      planEvent(`${id}.${eventId}`, `${id}${eventId}`, ev.Type, ep, target, p.ref);
    }
  }

  function planStateMachine(id: string, props: Record<string, Json>): void {
    const p = physical.get(id)!;
    let text: string;
    if (props.DefinitionUri !== undefined)
      text = readFileSync(resolve(root, str(props.DefinitionUri)), 'utf8');
    else if (props.Definition !== undefined) text = JSON.stringify(resolveValue(props.Definition));
    else throw new SamTemplateError(`State machine ${id} has neither DefinitionUri nor Definition`);
    const substitutions = (resolveValue(props.DefinitionSubstitutions) ?? {}) as Record<string, Json>;
    const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_whole, name: string) => {
      if (!(name in substitutions))
        throw new SamTemplateError(`State machine ${id}: no DefinitionSubstitutions entry for \${${name}}`);
      return String(substitutions[name]);
    });
    plan.stateMachines.push({
      logicalId: id,
      name: p.attrs.Name!,
      arn: p.attrs.Arn!,
      definition: JSON.parse(substituted) as StateMachineDefinition,
      roleArn: props.Role === undefined ? fakeRole(id) : str(props.Role),
      type: props.Type === undefined ? 'STANDARD' : (str(props.Type) as 'STANDARD' | 'EXPRESS'),
    });
    for (const [eventId, ev] of Object.entries(
      (props.Events ?? {}) as Record<string, { Type: string; Properties?: Record<string, Json> }>,
    )) {
      const target: RuleTarget = {
        Id: `${id}${eventId}StepFunctionsTarget`.slice(0, 64),
        Arn: p.ref,
        RoleArn: fakeRole(`${id}${eventId}`),
      };
      planEvent(
        `${id}.${eventId}`,
        `${id}${eventId}`,
        ev.Type,
        (ev.Properties ?? {}) as Record<string, Json>,
        target,
        undefined,
      );
    }
  }

  function planEvent(
    source: string,
    ruleId: string,
    type: string,
    ep: Record<string, Json>,
    target: RuleTarget,
    functionName: string | undefined,
  ): void {
    const common = () => {
      for (const key of ['Input', 'InputPath', 'InputTransformer', 'RetryPolicy', 'DeadLetterConfig']) {
        if (ep[key] !== undefined) (target as Record<string, unknown>)[key] = resolveValue(ep[key]);
      }
      const t = ep.Target as { Id?: Json } | undefined;
      if (t?.Id !== undefined) target.Id = str(t.Id);
    };
    const state = (): 'ENABLED' | 'DISABLED' => {
      if (ep.State !== undefined) return str(ep.State) as 'ENABLED' | 'DISABLED';
      if (ep.Enabled !== undefined) return resolveValue(ep.Enabled) === false ? 'DISABLED' : 'ENABLED';
      return 'ENABLED';
    };
    switch (type) {
      case 'EventBridgeRule':
      case 'CloudWatchEvent':
        common();
        plan.rules.push({
          source,
          name: ep.RuleName === undefined ? generatedName(stackName, ruleId, 64) : str(ep.RuleName),
          eventBusName: ep.EventBusName === undefined ? 'default' : str(ep.EventBusName),
          eventPattern: JSON.stringify(resolveValue(ep.Pattern)),
          state: state(),
          targets: [target],
        });
        break;
      case 'Schedule':
        common();
        plan.rules.push({
          source,
          name: ep.Name === undefined ? generatedName(stackName, ruleId, 64) : str(ep.Name),
          eventBusName: 'default',
          scheduleExpression: str(ep.Schedule),
          state: state(),
          description: ep.Description === undefined ? undefined : str(ep.Description),
          targets: [target],
        });
        break;
      case 'ScheduleV2':
        plan.schedules.push({
          source,
          name: ep.Name === undefined ? generatedName(stackName, ruleId, 64) : str(ep.Name),
          groupName: ep.GroupName === undefined ? 'default' : str(ep.GroupName),
          scheduleExpression: str(ep.ScheduleExpression),
          state: state(),
          target: {
            Arn: target.Arn,
            RoleArn: ep.RoleArn === undefined ? fakeRole(`${ruleId}Schedule`) : str(ep.RoleArn),
            ...(ep.Input !== undefined ? { Input: str(ep.Input) } : {}),
          },
          description: ep.Description === undefined ? undefined : str(ep.Description),
        });
        break;
      case 'SQS':
        if (!functionName) throw new SamTemplateError(`${source}: SQS events belong to functions`);
        plan.eventSourceMappings.push({
          source,
          functionName,
          queueArn: str(ep.Queue),
          batchSize: Number(resolveValue(ep.BatchSize) ?? 10),
          reportBatchItemFailures: (
            (resolveValue(ep.FunctionResponseTypes) as string[] | undefined) ?? []
          ).includes('ReportBatchItemFailures'),
          enabled: resolveValue(ep.Enabled) !== false,
        });
        break;
      default:
        throw new SamTemplateError(`${source}: event type ${type} is not run by the local runtime`);
    }
  }
}

/** SAM Globals: the resource's own properties win; Environment.Variables are merged. */
function mergeGlobals(globals: Record<string, Json>, props: Record<string, Json>): Record<string, Json> {
  const merged: Record<string, Json> = { ...globals, ...props };
  const gv = (globals.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables;
  const pv = (props.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables;
  if (gv || pv) merged.Environment = { Variables: { ...gv, ...pv } };
  return merged;
}

interface Scope {
  parameters: Record<string, string>;
  pseudo: Record<string, string>;
  physical: Map<string, Physical>;
  resources: CfnTemplate['Resources'];
}

/** Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split and Fn::If (no conditions) over the plan's names. */
function resolveIntrinsics(value: Json, scope: Scope): Json {
  if (Array.isArray(value))
    return value.map((v) => resolveIntrinsics(v, scope)).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, Json>);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    switch (key) {
      case 'Ref':
        return ref(String(arg), scope);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
        return getAtt(String(id), String(attr), scope);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [String(arg), {}];
        const locals = Object.fromEntries(
          Object.entries(vars ?? {}).map(([k, v]) => [k, String(resolveIntrinsics(v, scope))]),
        );
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in locals) return locals[name]!;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            return getAtt(name.slice(0, dot), name.slice(dot + 1), scope);
          return String(ref(name, scope));
        });
      }
      case 'Fn::Join': {
        const [sep, items] = arg as [string, Json];
        return (resolveIntrinsics(items, scope) as Json[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, items] = arg as [Json, Json];
        return (resolveIntrinsics(items, scope) as Json[])[Number(resolveIntrinsics(index, scope))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, Json];
        return String(resolveIntrinsics(text, scope)).split(sep);
      }
      default:
        if (key.startsWith('Fn::')) throw new SamTemplateError(`${key} is not resolved by the local runtime`);
    }
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of entries) {
    const r = resolveIntrinsics(v, scope);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

const NO_VALUE = Symbol('AWS::NoValue');

function ref(name: string, scope: Scope): Json {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in scope.pseudo) return scope.pseudo[name];
  if (name in scope.parameters) return scope.parameters[name];
  const p = scope.physical.get(name);
  if (!p) throw new SamTemplateError(`Ref to unknown ${name}`);
  return p.ref;
}

function getAtt(id: string, attr: string, scope: Scope): string {
  const p = scope.physical.get(id);
  if (!p) throw new SamTemplateError(`GetAtt on unknown resource ${id}`);
  const v = p.attrs[attr];
  if (v === undefined)
    throw new SamTemplateError(`GetAtt ${id}.${attr}: attribute not modelled for ${p.type}`);
  return v;
}
