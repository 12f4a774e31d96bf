import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import type { Finding } from '#test/unit/templates/audit.ts';

/**
 * The least-privilege and data-protection rules of stackdrop's own SAM template (template.yaml),
 * as code: run over a template, it returns every place a rule is broken. SAM policy templates and
 * the AWS managed policies SAM attaches are expanded into their statements first, so what is
 * audited is what IAM will hold.
 */

export type { Finding };

type Json = Record<string, unknown>;

/**
 * Actions that may be granted on `Resource: '*'`, each with the reason. An action belongs here only
 * when AWS authorises it on no resource ARN (or, for the marked cases, on none that exists when the
 * call is made); everything else must name its resources.
 */
export const RESOURCELESS_ACTIONS: Record<string, string> = {
  'route53:ListHostedZonesByName':
    'Listing hosted zones by name is authorised on the account; the action has no resource type.',
  'acm:RequestCertificate': 'RequestCertificate has no resource type (the certificate does not exist yet).',
  'cloudfront:CreateDistribution': 'CloudFront creates have no resource type.',
  'cloudfront:CreateCachePolicy': 'CloudFront creates have no resource type.',
  'cloudfront:CreateOriginRequestPolicy': 'CloudFront creates have no resource type.',
  'cloudfront:CreateOriginAccessControl': 'CloudFront creates have no resource type.',
  'elasticloadbalancing:SetWebACL': 'SetWebACL (called by WAF to associate a web ACL) has no resource type.',
  'states:SendTaskSuccess':
    'Task-token callbacks are authorised on the token; Step Functions has no resource type for them.',
  'states:SendTaskFailure':
    'Task-token callbacks are authorised on the token; Step Functions has no resource type for them.',
  'xray:PutTraceSegments': 'X-Ray trace submission supports no resource-level permissions.',
  'xray:PutTelemetryRecords': 'X-Ray trace submission supports no resource-level permissions.',
  'xray:GetSamplingRules': 'X-Ray sampling calls support no resource-level permissions.',
  'xray:GetSamplingTargets': 'X-Ray sampling calls support no resource-level permissions.',
  'xray:GetSamplingStatisticSummaries': 'X-Ray sampling calls support no resource-level permissions.',
  'logs:CreateLogDelivery':
    'Vended-log delivery (Step Functions logging, VPC flow logs) supports no resource-level permissions.',
  'logs:GetLogDelivery':
    'Vended-log delivery (Step Functions logging) supports no resource-level permissions.',
  'logs:UpdateLogDelivery':
    'Vended-log delivery (Step Functions logging) supports no resource-level permissions.',
  'logs:DeleteLogDelivery':
    'Vended-log delivery (Step Functions logging, VPC flow logs) supports no resource-level permissions.',
  'logs:ListLogDeliveries':
    'Vended-log delivery (Step Functions logging) supports no resource-level permissions.',
  'logs:PutResourcePolicy':
    'CloudWatch Logs resource policies are account-wide; the action has no resource type.',
  'logs:DescribeResourcePolicies':
    'CloudWatch Logs resource policies are account-wide; the action has no resource type.',
  'logs:DescribeLogGroups': 'Listing log groups is authorised on the account, not on a log group.',
  'kms:CreateKey':
    'A key being created has no ARN yet: CreateKey has no resource type (Service Authorization Reference).',
  'ec2:DescribeInstances': 'EC2 Describe calls support no resource-level permissions.',
  'ec2:DescribeSecurityGroups': 'EC2 Describe calls support no resource-level permissions.',
  'ec2:DescribeSecurityGroupRules': 'EC2 Describe calls support no resource-level permissions.',
  'ec2:Describe*':
    'EC2 Describe calls support no resource-level permissions; CloudFormation and the RDS, ELB and ECS services call many of them (VPCs, subnets, groups, addresses, AZs) while creating the stacks.',
  'elasticloadbalancing:Describe*':
    'ELBv2 Describe calls support no resource-level permissions; CloudFormation reads back load balancers, listeners, rules and target groups with them.',
  'application-autoscaling:Describe*':
    'Application Auto Scaling Describe calls support no resource-level permissions.',
  'rds:Describe*':
    'Read-only. The engine-version, orderable-option, engine-default and event Describe calls CloudFormation makes for Aurora support no resource-level permissions.',
  'application-autoscaling:RegisterScalableTarget':
    'Authorised on a scalable target only once it exists (tag-based); registering a new one has no ARN yet, so AWS documents "*".',
  'application-autoscaling:DeregisterScalableTarget':
    'Application Auto Scaling documents "*" for target management.',
  'application-autoscaling:PutScalingPolicy':
    'Application Auto Scaling documents "*" for scaling policies of new targets.',
  'application-autoscaling:DeleteScalingPolicy':
    'Application Auto Scaling documents "*" for scaling policies.',
  'application-autoscaling:TagResource':
    'Tags go onto a target while it is registered, before an ARN exists.',
  'ecr:GetAuthorizationToken':
    'The registry token is account-wide; GetAuthorizationToken supports no resource-level permissions.',
  'ecs:DeregisterTaskDefinition': 'DeregisterTaskDefinition supports no resource-level permissions.',
  'ecs:DescribeTaskDefinition': 'DescribeTaskDefinition supports no resource-level permissions.',
  'ecs:ListTasks':
    'ListTasks is authorised on container-instance ARNs only, which Fargate tasks have none of; an ecs:cluster condition scopes it to stackdrop clusters.',
  'ssmmessages:CreateControlChannel':
    'Session Manager message channels support no resource-level permissions.',
  'ssmmessages:CreateDataChannel': 'Session Manager message channels support no resource-level permissions.',
  'ssmmessages:OpenControlChannel': 'Session Manager message channels support no resource-level permissions.',
  'ssmmessages:OpenDataChannel': 'Session Manager message channels support no resource-level permissions.',
};

/** Read-only action prefixes whose `*` pattern is acceptable (every match is a Describe call). */
const READ_ONLY_PATTERN = /^[a-z0-9-]+:Describe[A-Za-z]*\*$/;

export interface PolicyCatalog {
  /** SAM policy templates by name: `Definition.Statement` with `{ Ref: Parameter }` placeholders. */
  templates: Record<string, { Definition: { Statement: Json[] } }>;
  /** AWS managed policy documents by name. */
  managedPolicies: Record<string, { Statement: Json[] }>;
  /** Where the templates came from: the installed aws-sam-translator, or the committed subset. */
  templatesSource: string;
}

const COMMITTED_CATALOG = join(import.meta.dirname, 'policy-templates.json');

/** The installed aws-sam-translator's policy_templates.json, or undefined when Python's samtranslator is absent. */
export function findSamPolicyTemplatesFile(): string | undefined {
  if (samTemplatesFile !== null) return samTemplatesFile;
  samTemplatesFile = locateSamPolicyTemplatesFile();
  return samTemplatesFile;
}

// Looked up once per process: asking Python costs a few hundred milliseconds.
let samTemplatesFile: string | undefined | null = null;

function locateSamPolicyTemplatesFile(): string | undefined {
  try {
    const dir = execFileSync(
      'python3',
      ['-c', 'import samtranslator, os; print(os.path.dirname(samtranslator.__file__))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
    ).trim();
    const file = join(dir, 'policy_templates_data', 'policy_templates.json');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The committed catalog (templates subset plus managed policies), with the installed SAM templates
 * when present; `null` reads the committed subset only.
 */
export function loadPolicyCatalog(templatesFile?: string | null): PolicyCatalog {
  const liveTemplatesFile = templatesFile === undefined ? findSamPolicyTemplatesFile() : templatesFile;
  const committed = JSON.parse(readFileSync(COMMITTED_CATALOG, 'utf8')) as {
    Templates: PolicyCatalog['templates'];
    ManagedPolicies: PolicyCatalog['managedPolicies'];
  };
  if (liveTemplatesFile) {
    const live = JSON.parse(readFileSync(liveTemplatesFile, 'utf8')) as {
      Templates: PolicyCatalog['templates'];
    };
    return {
      templates: live.Templates,
      managedPolicies: committed.ManagedPolicies,
      templatesSource: liveTemplatesFile,
    };
  }
  return {
    templates: committed.Templates,
    managedPolicies: committed.ManagedPolicies,
    templatesSource: COMMITTED_CATALOG,
  };
}

/** One IAM statement, with the resource that holds it and where it came from. */
export interface SourcedStatement {
  /** Logical id of the role, policy or function the statement belongs to. */
  owner: string;
  /** Path in the template, with `managed:<Name>` or `template:<Name>` for expanded statements. */
  path: string;
  statement: Json;
  /** `inline`, `managed:<Name>` or `template:<Name>`. */
  origin: string;
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const refName = (value: unknown): string | undefined =>
  isObject(value) && typeof value.Ref === 'string' ? value.Ref : undefined;

/** The text of a resource or ARN: a literal, or the string of an `Fn::Sub`; undefined for Ref/GetAtt. */
export function arnText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && 'Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  }
  return undefined;
}

/** Name of a managed policy from its name or ARN (`arn:...:policy/service-role/Name` → `Name`). */
function managedPolicyName(value: unknown): string | undefined {
  const text = arnText(value);
  if (text === undefined) return undefined;
  return text.slice(text.lastIndexOf('/') + 1);
}

/** Replaces `{ Ref: Parameter }` placeholders of a SAM policy template with the given values. */
function substitute(value: unknown, parameters: Json): unknown {
  if (Array.isArray(value)) return value.map((item) => substitute(item, parameters));
  if (isObject(value)) {
    const ref = refName(value);
    if (ref !== undefined && Object.keys(value).length === 1 && ref in parameters) return parameters[ref];
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, parameters)]),
    );
  }
  return value;
}

function functionGlobals(template: CfnTemplate): Json {
  const globals = template.Globals?.Function;
  return isObject(globals) ? globals : {};
}

/** Managed policies SAM attaches on its own to the role of a function (none when `Role` is given). */
export function implicitManagedPolicies(template: CfnTemplate, id: string): string[] {
  const resource = template.Resources[id];
  const props = resource?.Properties ?? {};
  if (resource?.Type !== 'AWS::Serverless::Function' || props.Role !== undefined) return [];
  const names = ['AWSLambdaBasicExecutionRole'];
  const tracing = props.Tracing ?? functionGlobals(template).Tracing;
  if (tracing !== undefined && tracing !== 'Disabled') names.push('AWSXrayWriteOnlyAccess');
  const events = isObject(props.Events) ? Object.values(props.Events) : [];
  if (events.some((event) => isObject(event) && event.Type === 'SQS'))
    names.push('AWSLambdaSQSQueueExecutionRole');
  return names;
}

/**
 * Every identity-policy statement in the template: IAM roles and policies, and the roles SAM builds
 * for functions and state machines (inline statements, policy templates, managed policies).
 */
export function identityStatements(
  template: CfnTemplate,
  catalog: PolicyCatalog,
  findings: Finding[] = [],
): SourcedStatement[] {
  const out: SourcedStatement[] = [];
  const addDocument = (owner: string, path: string, document: unknown, origin: string) => {
    asList(isObject(document) ? document.Statement : undefined).forEach((statement, i) => {
      if (isObject(statement)) out.push({ owner, path: `${path}.Statement[${i}]`, statement, origin });
    });
  };
  const addManaged = (owner: string, path: string, reference: unknown) => {
    const name = managedPolicyName(reference);
    const document = name === undefined ? undefined : catalog.managedPolicies[name];
    if (name === undefined || document === undefined) {
      findings.push({
        rule: 'unknown-managed-policy',
        path,
        message: `managed policy ${JSON.stringify(reference)} is not in the audit's catalog; add its statements so they are audited`,
      });
      return;
    }
    addDocument(owner, `${path}(managed:${name})`, document, `managed:${name}`);
  };

  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const base = `Resources.${id}.Properties`;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        asList(props.Policies).forEach((policy, i) => {
          if (isObject(policy))
            addDocument(id, `${base}.Policies[${i}].PolicyDocument`, policy.PolicyDocument, 'inline');
        });
        asList(props.ManagedPolicyArns).forEach((arn, i) => {
          // A managed policy of this template counts as the role's own statements.
          const local = refName(arn) === undefined ? undefined : template.Resources[refName(arn) as string];
          if (local?.Type === 'AWS::IAM::ManagedPolicy')
            addDocument(id, `${base}.ManagedPolicyArns[${i}]`, local.Properties?.PolicyDocument, 'inline');
          else addManaged(id, `${base}.ManagedPolicyArns[${i}]`, arn);
        });
        break;
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::Policy':
        addDocument(id, `${base}.PolicyDocument`, props.PolicyDocument, 'inline');
        break;
      case 'AWS::Serverless::Function':
      case 'AWS::Serverless::StateMachine': {
        if (props.Role !== undefined) break;
        for (const name of implicitManagedPolicies(template, id)) addManaged(id, `${base}.(implicit)`, name);
        asList(props.Policies).forEach((policy, i) => {
          const path = `${base}.Policies[${i}]`;
          if (typeof policy === 'string' || arnText(policy) !== undefined) {
            addManaged(id, path, policy);
          } else if (refName(policy) !== undefined) {
            const target = template.Resources[refName(policy) as string];
            if (target?.Type !== 'AWS::IAM::ManagedPolicy') {
              findings.push({
                rule: 'unknown-policy',
                path,
                message: `${refName(policy)} is not a managed policy of this template`,
              });
            }
            // The referenced AWS::IAM::ManagedPolicy is audited as a resource of its own.
          } else if (isObject(policy) && 'Statement' in policy) {
            addDocument(id, path, policy, 'inline');
          } else if (isObject(policy) && Object.keys(policy).length === 1) {
            const [name, parameters] = Object.entries(policy)[0] as [string, unknown];
            const definition = catalog.templates[name]?.Definition;
            if (!definition) {
              findings.push({
                rule: 'unknown-policy',
                path,
                message: `SAM policy template ${name} is not in the catalog`,
              });
            } else {
              const expanded = substitute(definition, isObject(parameters) ? parameters : {});
              addDocument(id, `${path}(template:${name})`, expanded, `template:${name}`);
            }
          } else {
            findings.push({ rule: 'unknown-policy', path, message: 'policy entry of an unknown shape' });
          }
        });
        break;
      }
    }
  }
  return out;
}

/** Case-insensitive IAM wildcard match (`*` and `?`) of an action pattern against an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

/** Condition keys of a statement, lower-cased, across all operators. */
export function conditionKeys(statement: Json): Set<string> {
  const keys = new Set<string>();
  const condition = statement.Condition;
  if (!isObject(condition)) return keys;
  for (const block of Object.values(condition)) {
    if (isObject(block)) for (const key of Object.keys(block)) keys.add(key.toLowerCase());
  }
  return keys;
}

/** The values a condition key is compared with, across all operators. */
export function conditionValues(statement: Json, key: string): unknown[] {
  const condition = statement.Condition;
  if (!isObject(condition)) return [];
  return Object.values(condition).flatMap((block) =>
    isObject(block)
      ? Object.entries(block)
          .filter(([name]) => name.toLowerCase() === key.toLowerCase())
          .flatMap(([, value]) => asList(value))
      : [],
  );
}

const actionsOf = (statement: Json): string[] =>
  asList(statement.Action).filter((a): a is string => typeof a === 'string');
const grants = (statement: Json, action: string) =>
  actionsOf(statement).some((pattern) => actionMatches(pattern, action));
const STACK_ARN_PREFIX =
  'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/stackdrop-';

function auditStatement(source: SourcedStatement, findings: Finding[]): void {
  const { statement, path } = source;
  if (statement.Effect !== 'Allow') return;
  const add = (rule: string, message: string) => findings.push({ rule, path, message });

  if (statement.NotAction !== undefined) add('not-action', 'Allow with NotAction grants every other action');
  if (statement.NotResource !== undefined)
    add('not-resource', 'Allow with NotResource grants every other resource');
  for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
    if (typeof action !== 'string') {
      add('unreadable-action', `action ${JSON.stringify(action)} is not a literal`);
    } else if (action === '*' || /^[^:]+:\*$/.test(action)) {
      add('wildcard-action', `${action} grants a whole service (or everything)`);
    } else if (action.includes('*') && !READ_ONLY_PATTERN.test(action)) {
      add('action-pattern', `${action} is a wildcard beyond Describe*; list the actions`);
    }
  }

  const resources = asList(statement.Resource);
  if (resources.includes('*')) {
    const unjustified = actionsOf(statement).filter((action) => !(action in RESOURCELESS_ACTIONS));
    if (unjustified.length > 0) {
      add(
        'wildcard-resource',
        `Resource "*" for ${unjustified.join(', ')}, which support resource-level permissions`,
      );
    }
  }

  if (grants(statement, 'iam:PassRole')) {
    const broad = resources.filter((r) => r === '*' || /:role\/\*$/.test(arnText(r) ?? ''));
    if (broad.length > 0)
      add('pass-role-resource', 'iam:PassRole must name specific roles (or a stackdrop role prefix)');
    if (!conditionKeys(statement).has('iam:passedtoservice')) {
      add('pass-role-condition', 'iam:PassRole without an iam:PassedToService condition');
    }
  }
  if (
    grants(statement, 'iam:CreateServiceLinkedRole') &&
    !conditionKeys(statement).has('iam:awsservicename')
  ) {
    add('service-linked-role', 'iam:CreateServiceLinkedRole without an iam:AWSServiceName condition');
  }
  if (
    grants(statement, 'ec2:TerminateInstances') &&
    !conditionKeys(statement).has('aws:resourcetag/stackdrop:managed')
  ) {
    add(
      'terminate-untagged',
      'ec2:TerminateInstances without an aws:ResourceTag/stackdrop:managed condition',
    );
  }
  if (actionsOf(statement).some((action) => action.toLowerCase().startsWith('cloudformation:'))) {
    const outside = resources.filter((r) => !(arnText(r) ?? '').startsWith(STACK_ARN_PREFIX));
    if (outside.length > 0) {
      add('cloudformation-scope', `CloudFormation actions must be scoped to ${STACK_ARN_PREFIX}*/*`);
    }
  }
}

const isPublicPrincipal = (principal: unknown) =>
  principal === '*' || (isObject(principal) && asList(principal.AWS).includes('*'));

function auditResourcePolicies(template: CfnTemplate, findings: Finding[]): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const documents: [string, unknown][] = [];
    if (resource.Type === 'AWS::S3::BucketPolicy' || resource.Type === 'AWS::SQS::QueuePolicy') {
      documents.push([`Resources.${id}.Properties.PolicyDocument`, props.PolicyDocument]);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      documents.push([`Resources.${id}.Properties.AssumeRolePolicyDocument`, props.AssumeRolePolicyDocument]);
    }
    for (const [path, document] of documents) {
      asList(isObject(document) ? document.Statement : undefined).forEach((statement, i) => {
        if (
          isObject(statement) &&
          statement.Effect === 'Allow' &&
          isPublicPrincipal(statement.Principal) &&
          !statement.Condition
        ) {
          findings.push({
            rule: 'public-principal',
            path: `${path}.Statement[${i}]`,
            message: 'allows anyone (Principal "*") without a condition',
          });
        }
      });
    }
    if (resource.Type === 'AWS::Lambda::Permission' && props.Principal === '*') {
      findings.push({
        rule: 'public-principal',
        path: `Resources.${id}`,
        message: 'lets anyone invoke the function',
      });
    }
    const url = props.FunctionUrlConfig;
    if (resource.Type === 'AWS::Serverless::Function' && isObject(url) && url.AuthType === 'NONE') {
      findings.push({
        rule: 'public-principal',
        path: `Resources.${id}.Properties.FunctionUrlConfig`,
        message: 'function URL without authentication',
      });
    }
  }
}

/** Does a Deny statement refuse every non-TLS request to this bucket? */
function isTlsOnlyStatement(statement: unknown): boolean {
  if (!isObject(statement) || statement.Effect !== 'Deny' || !isPublicPrincipal(statement.Principal))
    return false;
  if (!asList(statement.Action).some((action) => action === 's3:*')) return false;
  const bool = isObject(statement.Condition) ? statement.Condition.Bool : undefined;
  const secure = isObject(bool) ? bool['aws:SecureTransport'] : undefined;
  return secure === 'false' || secure === false;
}

function auditDataProtection(template: CfnTemplate, findings: Finding[]): void {
  const resources = Object.entries(template.Resources);
  for (const [id, resource] of resources) {
    const props = resource.Properties ?? {};
    const path = `Resources.${id}.Properties`;
    if (resource.Type === 'AWS::S3::Bucket') {
      const rules = asList(
        isObject(props.BucketEncryption)
          ? props.BucketEncryption.ServerSideEncryptionConfiguration
          : undefined,
      );
      const algorithms = rules.map((rule) =>
        isObject(rule) && isObject(rule.ServerSideEncryptionByDefault)
          ? rule.ServerSideEncryptionByDefault.SSEAlgorithm
          : undefined,
      );
      if (!algorithms.some((a) => a === 'AES256' || a === 'aws:kms' || a === 'aws:kms:dsse')) {
        findings.push({ rule: 'bucket-encryption', path, message: `bucket ${id} has no default encryption` });
      }
      const block = isObject(props.PublicAccessBlockConfiguration)
        ? props.PublicAccessBlockConfiguration
        : {};
      const flags = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
      const missing = flags.filter((flag) => block[flag] !== true);
      if (missing.length > 0) {
        findings.push({
          rule: 'bucket-public-access',
          path,
          message: `bucket ${id} does not set ${missing.join(', ')}`,
        });
      }
      const tlsOnly = resources.some(
        ([, policy]) =>
          policy.Type === 'AWS::S3::BucketPolicy' &&
          refName(policy.Properties?.Bucket) === id &&
          asList(
            isObject(policy.Properties?.PolicyDocument)
              ? policy.Properties.PolicyDocument.Statement
              : undefined,
          ).some(isTlsOnlyStatement),
      );
      if (!tlsOnly)
        findings.push({
          rule: 'bucket-tls',
          path,
          message: `bucket ${id} has no policy denying non-TLS requests`,
        });
    }
    if (
      resource.Type === 'AWS::SQS::Queue' &&
      props.SqsManagedSseEnabled !== true &&
      props.KmsMasterKeyId === undefined
    ) {
      findings.push({
        rule: 'queue-encryption',
        path,
        message: `queue ${id} has neither SQS-managed SSE nor a KMS key`,
      });
    }
    if (resource.Type === 'AWS::Logs::LogGroup' && props.RetentionInDays === undefined) {
      findings.push({ rule: 'log-retention', path, message: `log group ${id} keeps logs forever` });
    }
    if (resource.Type === 'AWS::Serverless::Function') {
      const logging = props.LoggingConfig ?? functionGlobals(template).LoggingConfig;
      const group = refName(isObject(logging) ? logging.LogGroup : undefined);
      if (group === undefined || template.Resources[group]?.Type !== 'AWS::Logs::LogGroup') {
        findings.push({
          rule: 'function-log-group',
          path,
          message: `function ${id} logs to the implicit /aws/lambda group, which has no retention`,
        });
      }
    }
    if (resource.Type === 'AWS::Serverless::StateMachine') {
      const logging = props.Logging;
      if (isObject(logging) && logging.IncludeExecutionData === true) {
        findings.push({
          rule: 'execution-data-logged',
          path,
          message: `state machine ${id} logs execution data (inputs may carry secrets)`,
        });
      }
    }
  }
}

const SECRET_NAME = /(secret|passw(or)?d|pwd|token|api_?key|private_?key|credential|access_?key)/i;
const SECRET_VALUE = /(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** Names of references, not values (`DB_SECRET_ARN`, `TokenParameterName`...). */
const REFERENCE_NAME = /(arn|name|id|url|uri)$/i;

function auditSecrets(template: CfnTemplate, findings: Finding[]): void {
  const variables: [string, Json][] = [];
  const globalEnv = functionGlobals(template).Environment;
  if (isObject(globalEnv) && isObject(globalEnv.Variables))
    variables.push(['Globals.Function.Environment.Variables', globalEnv.Variables]);
  for (const [id, resource] of Object.entries(template.Resources)) {
    const env = resource.Properties?.Environment;
    if (resource.Type === 'AWS::Serverless::Function' && isObject(env) && isObject(env.Variables)) {
      variables.push([`Resources.${id}.Properties.Environment.Variables`, env.Variables]);
    }
  }
  for (const [path, vars] of variables) {
    for (const [name, value] of Object.entries(vars)) {
      const literal = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
      if (literal !== undefined && SECRET_VALUE.test(literal)) {
        findings.push({
          rule: 'secret-in-environment',
          path: `${path}.${name}`,
          message: `${name} holds what looks like a key`,
        });
      } else if (
        literal !== undefined &&
        SECRET_NAME.test(name) &&
        !REFERENCE_NAME.test(name) &&
        !literal.startsWith('arn:')
      ) {
        findings.push({
          rule: 'secret-in-environment',
          path: `${path}.${name}`,
          message: `${name} looks like a secret held as a literal; pass a Secrets Manager or SSM reference instead`,
        });
      }
    }
  }
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (SECRET_NAME.test(name) && !REFERENCE_NAME.test(name)) {
      findings.push({
        rule: 'secret-parameter',
        path: `Parameters.${name}`,
        message: `${name} looks like a secret passed as a parameter${parameter.NoEcho ? ' (NoEcho hides it from output only)' : ''}`,
      });
    }
  }
}

/** Every least-privilege and data-protection finding in a SAM template (an empty list means it passes). */
export function auditSamTemplate(
  template: CfnTemplate,
  catalog: PolicyCatalog = loadPolicyCatalog(),
): Finding[] {
  const findings: Finding[] = [];
  for (const statement of identityStatements(template, catalog, findings))
    auditStatement(statement, findings);
  auditResourcePolicies(template, findings);
  auditDataProtection(template, findings);
  auditSecrets(template, findings);
  return findings;
}

/**
 * AWS managed policies SAM attaches to the roles it creates, whose `*` resources are accepted,
 * each with the reason. Their findings are kept apart from the template's own (see
 * {@link isAcceptedFinding}); replacing them means giving those functions explicit roles.
 */
export const ACCEPTED_MANAGED_POLICIES: Record<string, string> = {
  AWSLambdaBasicExecutionRole:
    'SAM attaches it to every function role it creates (logs:CreateLogGroup/CreateLogStream/PutLogEvents on "*"). Each function logs to its own log group (LoggingConfig) with retention; narrowing this needs explicit roles instead of SAM-generated ones.',
  AWSLambdaSQSQueueExecutionRole:
    'SAM attaches it to roll-service for its SQS event source (ReceiveMessage/DeleteMessage/GetQueueAttributes on "*"). The function only receives from the deploy queue its event source mapping names; narrowing this needs an explicit role.',
};

/** Whether a finding comes from a statement of an accepted managed policy (and is about its `*` resource). */
export function isAcceptedFinding(finding: Finding): boolean {
  const name = /\(managed:([^)]+)\)/.exec(finding.path)?.[1];
  return finding.rule === 'wildcard-resource' && name !== undefined && name in ACCEPTED_MANAGED_POLICIES;
}

/**
 * The statements a function or state machine acts with: its own (inline, templates, managed) and
 * those of the template's AWS::IAM::ManagedPolicy resources it references.
 */
export function statementsOf(template: CfnTemplate, catalog: PolicyCatalog, id: string): SourcedStatement[] {
  const all = identityStatements(template, catalog);
  const referenced = asList(template.Resources[id]?.Properties?.Policies)
    .map(refName)
    .filter((name): name is string => name !== undefined);
  return all.filter((s) => s.owner === id || referenced.includes(s.owner));
}
