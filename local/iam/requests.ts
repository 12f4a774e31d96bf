import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { HttpRequest, LocalCloud } from '../kernel.ts';
import type { AuthorizationCheck } from './evaluate.ts';
import type { ContextValues } from './policies.ts';

/**
 * The authorizations AWS makes for one API request: the action on each resource it touches, with
 * the request context (resource ARNs from the Service Authorization Reference's resource types,
 * `aws:ResourceTag/*` from the local models' tags, `aws:RequestTag/*` and `aws:TagKeys` from the
 * request, `ec2:CreateAction` / `ecs:CreateAction` for tagging on create, `iam:PassedToService`
 * for roles handed to a service). Sources, read 2026-12-07:
 * - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html (ec2:CreateAction)
 * - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html (ecs:CreateAction)
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html (iam:PassedToService)
 * Resources are checked one by one: a request is allowed only if every check is.
 */
// biome-ignore lint/suspicious/noExplicitAny: inputs are the SDK input shapes of many operations.
type Input = any;
type Tag = { Key?: string; Value?: string; key?: string; value?: string };

/**
 * IAM service prefixes that differ from the SigV4 signing name: CloudWatch signs as `monitoring`
 * and authorizes as `cloudwatch:*`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html, read 2026-12-07).
 */
const IAM_PREFIX: Record<string, string> = { monitoring: 'cloudwatch' };

/** Batch operations AWS authorizes as their single form. */
const AUTHORIZED_AS: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  'ec2:DescribeSecurityGroupRules': 'ec2:DescribeSecurityGroupRules',
};

/** Operations every principal may call (STS GetCallerIdentity needs no permission). */
const UNAUTHORIZED_OPERATIONS = new Set(['sts:GetCallerIdentity']);

/** Service principals a role is passed to, by the action that passes it. */
export const PASSED_TO: Record<string, string> = {
  'cloudformation:CreateStack': 'cloudformation.amazonaws.com',
  'cloudformation:UpdateStack': 'cloudformation.amazonaws.com',
  'cloudformation:CreateChangeSet': 'cloudformation.amazonaws.com',
  'cloudformation:DeleteStack': 'cloudformation.amazonaws.com',
  'ecs:RegisterTaskDefinition': 'ecs-tasks.amazonaws.com',
  'ecs:RunTask': 'ecs-tasks.amazonaws.com',
  'ec2:RunInstances': 'ec2.amazonaws.com',
  'ec2:CreateFlowLogs': 'vpc-flow-logs.amazonaws.com',
  'states:CreateStateMachine': 'states.amazonaws.com',
  'events:PutTargets': 'events.amazonaws.com',
  'scheduler:CreateSchedule': 'scheduler.amazonaws.com',
  'scheduler:UpdateSchedule': 'scheduler.amazonaws.com',
};

export function tagContext(
  prefix: 'aws:ResourceTag' | 'aws:RequestTag',
  tags: Tag[] | Record<string, string> | undefined,
): ContextValues {
  const out: ContextValues = {};
  const list = Array.isArray(tags)
    ? tags.map((t) => [t.Key ?? t.key ?? '', t.Value ?? t.value ?? ''] as const)
    : Object.entries(tags ?? {});
  for (const [k, v] of list) if (k) out[`${prefix}/${k}`] = v;
  if (prefix === 'aws:RequestTag' && list.length > 0) out['aws:TagKeys'] = list.map(([k]) => k);
  return out;
}

function check(action: string, resource: string, context: ContextValues = {}): AuthorizationCheck {
  return { action, resource, context };
}

function passRole(_cloud: LocalCloud, roleArn: string | undefined, service: string): AuthorizationCheck[] {
  if (!roleArn?.startsWith('arn:aws:iam::')) return [];
  return [check('iam:PassRole', roleArn, { 'iam:PassedToService': service })];
}

/** Derives the checks of an awsQuery / ec2Query / JSON request whose input the protocol layer parsed. */
export function checksFor(
  cloud: LocalCloud,
  signingName: string,
  operation: string,
  input: Input,
): AuthorizationCheck[] {
  const prefix = IAM_PREFIX[signingName] ?? signingName;
  const named = `${prefix}:${operation}`;
  if (UNAUTHORIZED_OPERATIONS.has(named)) return [];
  const action = AUTHORIZED_AS[named] ?? named;
  const derive = DERIVATIONS[prefix];
  const checks = derive?.(cloud, action, operation, input ?? {});
  return checks ?? [check(action, '*')];
}

type Derivation = (
  cloud: LocalCloud,
  action: string,
  operation: string,
  input: Input,
) => AuthorizationCheck[] | undefined;

/** A key policy as the evaluator takes it (a malformed one never reaches a key: CreateKey refuses it). */
function keyPolicy(policy: string): unknown {
  return safe(() => JSON.parse(policy));
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** CloudWatch Logs operations that read one log group. */
const LOG_GROUP_READS = new Set(['FilterLogEvents', 'GetLogEvents', 'DescribeLogStreams']);

const DERIVATIONS: Record<string, Derivation> = {
  // Route 53 zones are global: arn:aws:route53:::hostedzone/<id> (Service Authorization Reference).
  route53(_cloud, action, _operation, input) {
    if (typeof input.HostedZoneId !== 'string') return undefined;
    return [
      check(action, `arn:aws:route53:::hostedzone/${input.HostedZoneId.replace(/^\/?hostedzone\//, '')}`),
    ];
  },
  // Web ACLs: arn:aws:wafv2:<region>:<account>:<regional|global>/webacl/<name>/<id>; an
  // association is checked on the web ACL and on the load balancer.
  wafv2(cloud, action, operation, input) {
    if (operation.toLowerCase() === 'createwebacl' && typeof input.Name === 'string') {
      const scope = input.Scope === 'CLOUDFRONT' ? 'global' : 'regional';
      return [check(action, cloud.arn('wafv2', `${scope}/webacl/${input.Name}/${randomUUID()}`))];
    }
    if (typeof input.WebACLArn === 'string' && typeof input.ResourceArn === 'string')
      return [check(action, input.WebACLArn), check(action, input.ResourceArn)];
    if (typeof input.Name === 'string' && input.Name.startsWith('arn:')) return [check(action, input.Name)];
    return undefined;
  },
  // Certificates by ARN; RequestCertificate has no resource type.
  acm(_cloud, action, _operation, input) {
    const arn = input.CertificateArn ?? input.Name;
    return typeof arn === 'string' && arn.startsWith('arn:') ? [check(action, arn)] : undefined;
  },
  // Distributions by id: arn:aws:cloudfront::<account>:distribution/<id>; creates have no resource type.
  cloudfront(cloud, action, _operation, input) {
    const id = input.Id ?? input.Name;
    return typeof id === 'string'
      ? [check(action, `arn:aws:cloudfront::${cloud.accountId}:distribution/${id}`)]
      : undefined;
  },
  cloudformation(cloud, action, operation, input) {
    const name: string | undefined = input.StackName;
    if (!name) return [check(action, '*')];
    const stack = safe(() => cloud.cloudformation.findStack(name));
    const arn =
      stack?.stackId ??
      (name.startsWith('arn:') ? name : cloud.arn('cloudformation', `stack/${name}/${randomUUID()}`));
    const context: ContextValues = {
      ...tagContext('aws:ResourceTag', stack?.tags),
      ...(input.Tags ? tagContext('aws:RequestTag', input.Tags) : {}),
      ...(input.RoleARN ? { 'cloudformation:RoleArn': input.RoleARN } : {}),
    };
    const checks = [check(action, arn, context)];
    if (input.RoleARN && PASSED_TO[action])
      checks.push(...passRole(cloud, input.RoleARN, PASSED_TO[action]!));
    const read = templateUrlRead(input.TemplateURL);
    if (read) checks.push(read);
    void operation;
    return checks;
  },
  sqs(cloud, action, _operation, input) {
    const ref: string | undefined = input.QueueUrl ?? input.QueueName;
    if (!ref) return [check(action, '*')];
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    const queue = safe(() => cloud.sqs.queue(name));
    const context: ContextValues = {
      ...tagContext('aws:ResourceTag', (queue as { tags?: Record<string, string> } | undefined)?.tags),
      ...(input.tags ? tagContext('aws:RequestTag', input.tags) : {}),
    };
    return [check(action, cloud.arn('sqs', name), context)];
  },
  states(_cloud, action, _operation, input) {
    const arn: string | undefined = input.executionArn ?? input.stateMachineArn;
    if (action === 'states:StartExecution' && input.stateMachineArn)
      return [check(action, input.stateMachineArn)];
    return [check(action, arn ?? '*')];
  },
  events(cloud, action, _operation, input) {
    if (action !== 'events:PutEvents') return undefined;
    const buses = new Set<string>(
      ((input.Entries ?? []) as Array<{ EventBusName?: string }>).map((e) => e.EventBusName || 'default'),
    );
    return [...buses].map((bus) =>
      check(action, bus.startsWith('arn:') ? bus : cloud.arn('events', `event-bus/${bus}`)),
    );
  },
  lambda(cloud, action, _operation, input) {
    const name: string | undefined = input.FunctionName;
    if (!name) return [check(action, '*')];
    const arn = name.startsWith('arn:') ? name : cloud.arn('lambda', `function:${name}`);
    return [check(action === 'lambda:Invoke' ? 'lambda:InvokeFunction' : action, arn)];
  },
  ssm(cloud, action, _operation, input) {
    const names: string[] = input.Names ?? (input.Name ? [input.Name] : []);
    if (names.length === 0) return [check(action, '*')];
    return names.map((n) => check(action, ssmParameterArn(cloud, n)));
  },
  secretsmanager(cloud, action, operation, input) {
    const id: string | undefined = input.SecretId;
    if (!id) {
      if (operation !== 'CreateSecret' || !input.Name) return [check(action, '*')];
      // The new secret's ARN ends in a suffix not chosen yet: `<name>-??????` matches it.
      const arn = cloud.arn('secretsmanager', `secret:${input.Name}-??????`);
      const checks = [check(action, arn, input.Tags ? tagContext('aws:RequestTag', input.Tags) : {})];
      // "If you include tags in the secret, you also need secretsmanager:TagResource"
      // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html, read 2026-12-07).
      if ((input.Tags ?? []).length > 0)
        checks.push(check('secretsmanager:TagResource', arn, tagContext('aws:RequestTag', input.Tags)));
      if (input.SecretString !== undefined || input.SecretBinary !== undefined)
        checks.push(...secretKeyChecks(cloud, input.KmsKeyId, arn, 'kms:GenerateDataKey'));
      return checks;
    }
    const secret = safe(() => cloud.secretsManager.secret(id));
    const arn = secret?.ARN ?? (id.startsWith('arn:') ? id : cloud.arn('secretsmanager', `secret:${id}`));
    const checks = [check(action, arn, tagContext('aws:ResourceTag', secret?.Tags))];
    if (operation === 'GetSecretValue')
      checks.push(...secretKeyChecks(cloud, secret?.KmsKeyId, arn, 'kms:Decrypt'));
    if (operation === 'PutSecretValue')
      checks.push(...secretKeyChecks(cloud, secret?.KmsKeyId, arn, 'kms:GenerateDataKey'));
    return checks;
  },
  ecr(cloud, action, _operation, input) {
    const arn: string | undefined =
      input.resourceArn ??
      (input.repositoryName ? cloud.arn('ecr', `repository/${input.repositoryName}`) : undefined);
    if (!arn) return [check(action, '*')];
    const name = arn.slice(arn.indexOf('repository/') + 'repository/'.length);
    const repo = safe(() => cloud.ecr.repository(name));
    return [check(action, arn, tagContext('aws:ResourceTag', repo?.tags))];
  },
  rds(cloud, action, _operation, input) {
    const id: string | undefined = input.DBClusterIdentifier;
    if (id) return [check(action, id.startsWith('arn:') ? id : cloud.arn('rds', `cluster:${id}`))];
    const instance: string | undefined = input.DBInstanceIdentifier;
    if (instance)
      return [check(action, instance.startsWith('arn:') ? instance : cloud.arn('rds', `db:${instance}`))];
    return undefined;
  },
  s3(_cloud, action, _operation, input) {
    if (!input.Bucket) return [check(action, '*')];
    return [check(action, `arn:aws:s3:::${input.Bucket}${input.Key ? `/${input.Key}` : ''}`)];
  },
  kms(cloud, action, _operation, input) {
    if (action === 'kms:CreateKey' || action === 'kms:ListKeys' || action === 'kms:ListAliases')
      return [
        check(
          action,
          '*',
          input.Tags
            ? tagContext(
                'aws:RequestTag',
                (input.Tags as Array<{ TagKey: string; TagValue: string }>).map((t) => ({
                  Key: t.TagKey,
                  Value: t.TagValue,
                })),
              )
            : {},
        ),
      ];
    const ref: string | undefined = input.KeyId ?? input.TargetKeyId;
    const key = ref ? safe(() => cloud.kms.resolve(ref)) : undefined;
    if (!key) return [check(action, '*')];
    // Calls a service makes for its caller carry kms:ViaService (e.g. rds.<region>.amazonaws.com).
    const context: ContextValues = {
      ...tagContext(
        'aws:ResourceTag',
        key.tags.map((t) => ({ Key: t.TagKey, Value: t.TagValue })),
      ),
      ...(input.viaService ? { 'kms:ViaService': `${input.viaService}.${cloud.region}.amazonaws.com` } : {}),
      ...Object.fromEntries(
        Object.entries((input.EncryptionContext ?? {}) as Record<string, string>).map(([k, v]) => [
          `kms:EncryptionContext:${k}`,
          v,
        ]),
      ),
    };
    return [{ ...check(action, key.Arn, context), resourcePolicy: keyPolicy(key.Policy) }];
  },
  elasticache(cloud, action, operation, input) {
    const name: string | undefined = input.ServerlessCacheName;
    if (!name) return undefined;
    const arn = cloud.arn('elasticache', `serverlesscache:${name}`);
    const checks = [check(action, arn, input.Tags ? tagContext('aws:RequestTag', input.Tags) : {})];
    // Tags on create are authorized as AddTagsToResource too (Service Authorization Reference).
    if (operation === 'CreateServerlessCache' && (input.Tags ?? []).length > 0)
      checks.push(check('elasticache:AddTagsToResource', arn, tagContext('aws:RequestTag', input.Tags)));
    return checks;
  },
  ecs: ecsChecks,
  ec2: ec2Checks,
  // Roles by ARN (path included), with the role's permissions boundary as iam:PermissionsBoundary:
  // the one a request sets (CreateRole, PutRolePermissionsBoundary) or the role's own; managed
  // policies by ARN (Service Authorization Reference, IAM: role and policy resource types).
  iam(cloud, action, operation, input) {
    const account = cloud.accountId;
    if (operation === 'SimulatePrincipalPolicy' && typeof input.PolicySourceArn === 'string')
      return [check(action, input.PolicySourceArn)];
    if (typeof input.RoleName === 'string') {
      const known = cloud.iam.roles.byName(input.RoleName);
      const path = typeof input.Path === 'string' ? input.Path : '/';
      const arn = known?.arn ?? `arn:aws:iam::${account}:role${path}${input.RoleName}`;
      const boundary: unknown =
        operation === 'CreateRole' || operation === 'PutRolePermissionsBoundary'
          ? input.PermissionsBoundary
          : known?.permissionsBoundary;
      return [
        check(action, arn, typeof boundary === 'string' ? { 'iam:PermissionsBoundary': boundary } : {}),
      ];
    }
    if (typeof input.PolicyArn === 'string') return [check(action, input.PolicyArn)];
    if (operation === 'CreatePolicy' && typeof input.PolicyName === 'string')
      return [check(action, `arn:aws:iam::${account}:policy${input.Path ?? '/'}${input.PolicyName}`)];
    return undefined;
  },
  // Reads of one log group are authorized on its `log-group:<name>` ARN (no `:*` suffix, per the
  // Service Authorization Reference's log-group resource type); `logGroupIdentifier` may be an ARN.
  logs(cloud, action, operation, input) {
    if (!LOG_GROUP_READS.has(operation)) return undefined;
    const ref: string | undefined = input.logGroupIdentifier ?? input.logGroupName;
    if (!ref) return undefined;
    const arn = ref.startsWith('arn:') ? ref.replace(/:\*$/, '') : cloud.arn('logs', `log-group:${ref}`);
    return [check(action, arn)];
  },
  // DescribeAlarms' resource type is the alarm: AWS answers metric alarms under a narrower scope
  // than `*` (API_DescribeAlarms: only composite alarms need `*`). Offline every alarm the answer
  // holds is checked, so a scope that misses one is refused rather than silently filtered; an
  // answer with no alarm is checked on `*`.
  cloudwatch(cloud, action, operation, input) {
    if (operation !== 'DescribeAlarms') return undefined;
    const names: string[] = input.AlarmNames ?? [];
    const prefix: string | undefined = input.AlarmNamePrefix;
    const alarms = [...cloud.cloudwatch.alarms.values()].filter(
      (a) =>
        (names.length === 0 || names.includes(a.AlarmName)) && (!prefix || a.AlarmName.startsWith(prefix)),
    );
    return alarms.length ? alarms.map((a) => check(action, a.AlarmArn)) : [check(action, '*')];
  },
  // RegisterScalableTarget on an existing target is authorized on its ARN
  // (`scalable-target/<id>`), with the namespace and dimension condition keys; a new one on `*`.
  'application-autoscaling'(cloud, action, operation, input) {
    if (operation !== 'RegisterScalableTarget' && operation !== 'DeregisterScalableTarget') return undefined;
    const target = cloud.autoScaling.targets.get(
      `${input.ServiceNamespace}|${input.ResourceId}|${input.ScalableDimension}`,
    );
    return [
      check(action, target?.ScalableTargetARN ?? '*', {
        'application-autoscaling:service-namespace': String(input.ServiceNamespace ?? ''),
        'application-autoscaling:scalable-dimension': String(input.ScalableDimension ?? ''),
      }),
    ];
  },
  sts(_cloud, action, _operation, input) {
    if (action === 'sts:AssumeRole') return [check(action, input.RoleArn ?? '*')];
    return undefined;
  },
};

/**
 * The KMS permission Secrets Manager uses on its caller's behalf for a secret under a
 * customer-managed key: kms:Decrypt to read it, kms:GenerateDataKey to write it, with
 * kms:ViaService and the SecretARN encryption context. An AWS managed key (aws/secretsmanager)
 * needs no permission of the caller. A key of another account is not evaluated (its key policy is
 * not modelled).
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html (read 2026-12-07)
 */
export function secretKeyChecks(
  cloud: LocalCloud,
  kmsKeyId: string | undefined,
  secretArn: string,
  action: 'kms:Decrypt' | 'kms:GenerateDataKey',
): AuthorizationCheck[] {
  if (!kmsKeyId) return [];
  const key = safe(() => cloud.kms.resolve(kmsKeyId));
  if (key?.KeyManager !== 'CUSTOMER') return [];
  return [
    {
      ...check(action, key.Arn, {
        'kms:ViaService': `secretsmanager.${cloud.region}.amazonaws.com`,
        'kms:EncryptionContext:SecretARN': secretArn,
        'kms:CallerAccount': cloud.accountId,
      }),
      resourcePolicy: keyPolicy(key.Policy),
    },
  ];
}

/** `arn:aws:ssm:<region>:<account>:parameter/<name>`; AWS's public parameters have no account. */
export function ssmParameterArn(cloud: LocalCloud, name: string): string {
  if (name.startsWith('arn:')) return name;
  const path = name.startsWith('/') ? name.slice(1) : name;
  return path.startsWith('aws/service/')
    ? `arn:aws:ssm:${cloud.region}::parameter/${path}`
    : cloud.arn('ssm', `parameter/${path}`);
}

// ---- ECS ----------------------------------------------------------------------------------------

function ecsChecks(
  cloud: LocalCloud,
  action: string,
  operation: string,
  input: Input,
): AuthorizationCheck[] | undefined {
  const clusterArn = (ref: string | undefined) => {
    const c = safe(() => cloud.ecs.cluster(ref));
    return c?.clusterArn ?? cloud.arn('ecs', `cluster/${ref ?? 'default'}`);
  };
  const clusterName = (ref: string | undefined) => clusterArn(ref).split('/').pop()!;
  switch (operation) {
    case 'RegisterTaskDefinition': {
      const tags = input.tags as Tag[] | undefined;
      const checks = [check(action, '*', tags?.length ? tagContext('aws:RequestTag', tags) : {})];
      const family = input.family as string;
      if (tags?.length)
        checks.push(
          check('ecs:TagResource', cloud.arn('ecs', `task-definition/${family}:1`), {
            ...tagContext('aws:RequestTag', tags),
            'ecs:CreateAction': 'RegisterTaskDefinition',
          }),
        );
      for (const role of new Set([input.taskRoleArn, input.executionRoleArn].filter(Boolean)))
        checks.push(...passRole(cloud, role as string, 'ecs-tasks.amazonaws.com'));
      return checks;
    }
    case 'DescribeTaskDefinition':
    case 'ListTaskDefinitions':
    case 'ListClusters':
    case 'CreateCluster':
      return [check(action, '*')];
    case 'RunTask': {
      const td = safe(() => cloud.ecs.taskDefinition(input.taskDefinition));
      const tdArn = td?.taskDefinitionArn ?? input.taskDefinition;
      const cluster = clusterArn(input.cluster);
      const checks = [check(action, tdArn, { 'ecs:cluster': cluster })];
      const tags = input.tags as Tag[] | undefined;
      if (tags?.length || input.propagateTags)
        checks.push(
          check(
            'ecs:TagResource',
            cloud.arn('ecs', `task/${clusterName(input.cluster)}/${randomUUID().replaceAll('-', '')}`),
            {
              ...tagContext('aws:RequestTag', tags ?? []),
              'ecs:CreateAction': 'RunTask',
            },
          ),
        );
      const roles = new Set(
        [
          td?.taskRoleArn,
          td?.executionRoleArn,
          input.overrides?.taskRoleArn,
          input.overrides?.executionRoleArn,
        ].filter(Boolean),
      );
      for (const role of roles) checks.push(...passRole(cloud, role as string, 'ecs-tasks.amazonaws.com'));
      return checks;
    }
    case 'ListTasks':
      return [check(action, '*', { 'ecs:cluster': clusterArn(input.cluster) })];
    case 'DescribeTasks':
      return ((input.tasks ?? []) as string[]).map((t) =>
        check(
          action,
          t.startsWith('arn:') ? t : cloud.arn('ecs', `task/${clusterName(input.cluster)}/${t}`),
          {
            'ecs:cluster': clusterArn(input.cluster),
          },
        ),
      );
    case 'DescribeServices':
    case 'UpdateService':
    case 'DeleteService': {
      const services: string[] = input.services ?? [input.service];
      return services.map((s) => {
        const svc = safe(() => cloud.ecs.service(input.cluster, s));
        const arn =
          svc?.serviceArn ?? cloud.arn('ecs', `service/${clusterName(input.cluster)}/${s.split('/').pop()}`);
        return check(action, arn, {
          'ecs:cluster': clusterArn(input.cluster),
          ...tagContext('aws:ResourceTag', svc?.tags),
        });
      });
    }
    default:
      return undefined;
  }
}

// ---- EC2 ----------------------------------------------------------------------------------------

function ec2Checks(
  cloud: LocalCloud,
  action: string,
  operation: string,
  input: Input,
): AuthorizationCheck[] | undefined {
  const ec2 = cloud.ec2;
  const arn = (kind: string, id: string) => cloud.arn('ec2', `${kind}/${id}`);
  const tagsOf = (id: string) => tagContext('aws:ResourceTag', ec2.tags.get(id) ?? {});
  const specTags = (type: string) =>
    ((input.TagSpecifications ?? []) as Array<{ ResourceType?: string; Tags?: Tag[] }>)
      .filter((s) => s.ResourceType === type)
      .flatMap((s) => s.Tags ?? []);
  const createTags = (type: string, resource: string): AuthorizationCheck[] => {
    const tags = specTags(type);
    if (tags.length === 0) return [];
    return [
      check('ec2:CreateTags', resource, {
        ...tagContext('aws:RequestTag', tags),
        'ec2:CreateAction': operation,
      }),
    ];
  };
  if (operation.startsWith('Describe')) return [check(action, '*')];
  switch (operation) {
    case 'RunInstances': {
      const meta = input.MetadataOptions ?? {};
      const profileArn: string | undefined =
        input.IamInstanceProfile?.Arn ??
        (input.IamInstanceProfile?.Name
          ? `arn:aws:iam::${cloud.accountId}:instance-profile/${input.IamInstanceProfile.Name}`
          : undefined);
      const instanceTags = specTags('instance');
      const instanceContext: ContextValues = {
        ...tagContext('aws:RequestTag', instanceTags),
        ...(input.InstanceType ? { 'ec2:InstanceType': input.InstanceType } : {}),
        'ec2:MetadataHttpTokens': meta.HttpTokens ?? 'optional',
        ...(meta.HttpPutResponseHopLimit !== undefined
          ? { 'ec2:MetadataHttpPutResponseHopLimit': String(meta.HttpPutResponseHopLimit) }
          : {}),
        ...(profileArn ? { 'ec2:InstanceProfile': profileArn } : {}),
      };
      const checks = [check(action, arn('instance', '*'), instanceContext)];
      for (const bdm of (input.BlockDeviceMappings ?? []) as Array<{
        Ebs?: { Encrypted?: boolean; VolumeType?: string };
      }>) {
        if (!bdm.Ebs) continue;
        checks.push(
          check(action, arn('volume', '*'), {
            ...tagContext('aws:RequestTag', specTags('volume')),
            'ec2:Encrypted': String(bdm.Ebs.Encrypted ?? false),
            ...(bdm.Ebs.VolumeType ? { 'ec2:VolumeType': bdm.Ebs.VolumeType } : {}),
          }),
        );
      }
      if (input.ImageId) {
        // Images not registered in this account are AWS's (the public Amazon Linux AMIs).
        checks.push(
          check(action, `arn:aws:ec2:${cloud.region}::image/${input.ImageId}`, { 'ec2:Owner': 'amazon' }),
        );
      }
      const nic = (input.NetworkInterfaces ?? [])[0] as { SubnetId?: string; Groups?: string[] } | undefined;
      const subnetId: string | undefined = input.SubnetId ?? nic?.SubnetId;
      if (subnetId) checks.push(check(action, arn('subnet', subnetId), tagsOf(subnetId)));
      for (const g of (input.SecurityGroupIds ?? nic?.Groups ?? []) as string[])
        checks.push(check(action, arn('security-group', g), tagsOf(g)));
      checks.push(
        check(
          action,
          arn('network-interface', '*'),
          tagContext('aws:RequestTag', specTags('network-interface')),
        ),
      );
      for (const type of ['instance', 'volume', 'network-interface'])
        checks.push(...createTags(type, arn(type, '*')));
      if (profileArn) {
        const role = cloud.iam.roleOfInstanceProfile(profileArn);
        if (role) checks.push(...passRole(cloud, role, 'ec2.amazonaws.com'));
      }
      return checks;
    }
    case 'CreateSecurityGroup': {
      const checks: AuthorizationCheck[] = [];
      if (input.VpcId) checks.push(check(action, arn('vpc', input.VpcId), tagsOf(input.VpcId)));
      checks.push(
        check(action, arn('security-group', '*'), tagContext('aws:RequestTag', specTags('security-group'))),
      );
      checks.push(...createTags('security-group', arn('security-group', '*')));
      return checks;
    }
    case 'AuthorizeSecurityGroupIngress':
    case 'AuthorizeSecurityGroupEgress':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress': {
      const groupId: string = input.GroupId;
      const checks = [check(action, arn('security-group', groupId), tagsOf(groupId))];
      // Revoke* have only the security-group resource type; Authorize* also authorize the new
      // rules (security-group-rule) when they are tagged.
      if (operation.startsWith('Authorize')) {
        const tags = specTags('security-group-rule');
        if (tags.length) {
          checks.push(check(action, arn('security-group-rule', '*'), tagContext('aws:RequestTag', tags)));
          checks.push(...createTags('security-group-rule', arn('security-group-rule', '*')));
        }
      }
      return checks;
    }
    case 'DeleteSecurityGroup':
      return [check(action, arn('security-group', input.GroupId), tagsOf(input.GroupId))];
    case 'TerminateInstances':
    case 'StopInstances':
    case 'StartInstances':
      return ((input.InstanceIds ?? []) as string[]).map((id) =>
        check(action, arn('instance', id), tagsOf(id)),
      );
    case 'CreateTags':
    case 'DeleteTags':
      return ((input.Resources ?? []) as string[]).map((id) =>
        check(action, arn(ec2Kind(id), id), {
          ...tagsOf(id),
          ...(operation === 'CreateTags' ? tagContext('aws:RequestTag', input.Tags) : {}),
        }),
      );
    default:
      return undefined;
  }
}

const EC2_KINDS: Record<string, string> = {
  i: 'instance',
  sg: 'security-group',
  sgr: 'security-group-rule',
  vpc: 'vpc',
  subnet: 'subnet',
  vol: 'volume',
  eni: 'network-interface',
  igw: 'internet-gateway',
  rtb: 'route-table',
  nat: 'natgateway',
  eipalloc: 'elastic-ip',
  vpce: 'vpc-endpoint',
  ami: 'image',
};

function ec2Kind(id: string): string {
  return EC2_KINDS[id.slice(0, id.indexOf('-'))] ?? 'instance';
}

/**
 * CloudFormation reads a TemplateURL with the caller's own permissions, as an S3 GetObject: the
 * caller needs s3:GetObject on the object, or s3:GetObjectVersion when the URL pins `?versionId=`
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html: "If you include a versionId
 * ... you must have the s3:GetObjectVersion permission ... The s3:GetObject permission is not
 * required in this scenario"). A caller who may not read it gets a ValidationError, not
 * AccessDenied (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html,
 * TemplateURL: "The location of a file containing the template body ... located in an Amazon S3
 * bucket"; the message is AWS's). Read 2026-12-07.
 */
function templateUrlRead(url: unknown): AuthorizationCheck | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const hosted = /^(.+)\.s3[.-]/.exec(parsed.hostname);
  const path = decodeURIComponent(parsed.pathname.slice(1));
  const object = hosted ? `${hosted[1]}/${path}` : path;
  if (!object.includes('/')) return undefined;
  return {
    ...check(
      parsed.searchParams.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject',
      `arn:aws:s3:::${object}`,
    ),
    deniedAs: () =>
      new AwsError(
        'ValidationError',
        'TemplateURL must reference a valid S3 object to which you have access.',
      ),
  };
}

// ---- S3 (restXml: the operation is read from the HTTP request) -------------------------------

/**
 * The action and resource of an S3 request. S3 authorizes HeadObject as s3:GetObject, a versioned
 * read as s3:GetObjectVersion, and a bucket listing as s3:ListBucket
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, read 2026-12-07).
 */
export function s3Checks(req: HttpRequest): AuthorizationCheck[] {
  const [, bucket = '', ...keyParts] = req.path.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const q = req.query;
  const method = req.method.toUpperCase();
  if (!bucket) return [check('s3:ListAllMyBuckets', '*')];
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (!key) {
    const sub = [
      'versioning',
      'tagging',
      'policy',
      'notification',
      'location',
      'versions',
      'uploads',
      'lifecycle',
      'encryption',
    ].find((s) => q.has(s));
    const table: Record<string, string> = {
      'GET:': 's3:ListBucket',
      'HEAD:': 's3:ListBucket',
      'PUT:': 's3:CreateBucket',
      'DELETE:': 's3:DeleteBucket',
      'GET:versions': 's3:ListBucketVersions',
      'GET:versioning': 's3:GetBucketVersioning',
      'PUT:versioning': 's3:PutBucketVersioning',
      'GET:tagging': 's3:GetBucketTagging',
      'PUT:tagging': 's3:PutBucketTagging',
      'GET:policy': 's3:GetBucketPolicy',
      'PUT:policy': 's3:PutBucketPolicy',
      'GET:notification': 's3:GetBucketNotification',
      'PUT:notification': 's3:PutBucketNotification',
      'GET:location': 's3:GetBucketLocation',
      'GET:uploads': 's3:ListBucketMultipartUploads',
      'POST:': 's3:DeleteObject',
    };
    const action =
      table[`${method}:${sub ?? ''}`] ?? `s3:${method === 'GET' ? 'ListBucket' : 'PutBucketConfiguration'}`;
    const context: ContextValues = q.has('prefix') ? { 's3:prefix': q.get('prefix') ?? '' } : {};
    return [check(action, bucketArn, context)];
  }
  const objectArn = `${bucketArn}/${key}`;
  const versioned = q.has('versionId');
  if (q.has('tagging'))
    return [check(method === 'GET' ? 's3:GetObjectTagging' : 's3:PutObjectTagging', objectArn)];
  switch (method) {
    case 'GET':
    case 'HEAD':
      return [check(versioned ? 's3:GetObjectVersion' : 's3:GetObject', objectArn)];
    case 'PUT': {
      const checks = [check('s3:PutObject', objectArn)];
      const source = req.headers['x-amz-copy-source'];
      if (typeof source === 'string') {
        const [path, version] = decodeURIComponent(source).split('?versionId=');
        checks.push(
          check(version ? 's3:GetObjectVersion' : 's3:GetObject', `arn:aws:s3:::${path!.replace(/^\//, '')}`),
        );
      }
      return checks;
    }
    case 'DELETE':
      return [check(versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', objectArn)];
    case 'POST':
      return [check('s3:PutObject', objectArn)];
    default:
      return [check('s3:GetObject', objectArn)];
  }
}
