import type { CfnTemplate } from '#shared/cfn-yaml.ts';

/**
 * The security rules stackdrop's templates promise, as code: run over a template, it lists every
 * place a rule is broken. The templates test asserts none, and that a deliberately bad template
 * is caught.
 */

export interface Finding {
  rule: string;
  path: string;
  message: string;
}

/**
 * `*` resources are allowed only for actions that support no resource-level permissions; each
 * entry says why.
 */
export const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  'ecr:GetAuthorizationToken':
    'ECR issues registry-wide auth tokens; the action supports no resource-level permissions (ECS needs it to pull).',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmessagegatewayservice.html (read 2026-12-07)
  'ssmmessages:CreateControlChannel': 'ECS Exec: the ssmmessages actions define no resource types.',
  'ssmmessages:CreateDataChannel': 'ECS Exec: the ssmmessages actions define no resource types.',
  'ssmmessages:OpenControlChannel': 'ECS Exec: the ssmmessages actions define no resource types.',
  'ssmmessages:OpenDataChannel': 'ECS Exec: the ssmmessages actions define no resource types.',
};

/** Logical ids of the groups the network stage creates; the audit knows their roles. */
const ALB_GROUP = 'AlbSecurityGroup';
const APP_GROUP = 'AppSecurityGroup';
const DATABASE_GROUP = 'DatabaseSecurityGroup';
const BASTION_GROUP = 'BastionSecurityGroup';

type Json = Record<string, unknown>;

const refName = (value: unknown): string | undefined =>
  value && typeof value === 'object' && typeof (value as Json).Ref === 'string'
    ? ((value as Json).Ref as string)
    : undefined;

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Both branches of every `Fn::If` (a value that may be either must satisfy the rules). */
function branches(value: unknown): unknown[] {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'Fn::If' in value) {
    const args = (value as { 'Fn::If': unknown[] })['Fn::If'];
    return args.slice(1).flatMap(branches);
  }
  return [value];
}

interface IngressRule {
  group: string;
  rule: Json;
  path: string;
}

function ingressRules(template: CfnTemplate): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      asList(props.SecurityGroupIngress).forEach((rule, i) => {
        rules.push({
          group: id,
          rule: rule as Json,
          path: `Resources.${id}.Properties.SecurityGroupIngress[${i}]`,
        });
      });
    }
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress') {
      rules.push({
        group: refName(props.GroupId) ?? String(props.GroupId),
        rule: props,
        path: `Resources.${id}`,
      });
    }
  }
  return rules;
}

function auditSecurityGroups(template: CfnTemplate, findings: Finding[]): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (
      resource.Type === 'AWS::EC2::SecurityGroup' &&
      resource.Properties?.SecurityGroupEgress === undefined
    ) {
      findings.push({
        rule: 'default-egress',
        path: `Resources.${id}`,
        message: `${id} keeps EC2's default allow-all egress; declare its egress inline`,
      });
    }
  }
  for (const { group, rule, path } of ingressRules(template)) {
    const world = rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';
    if (world) {
      const webPort =
        rule.IpProtocol === 'tcp' &&
        rule.FromPort === rule.ToPort &&
        (rule.FromPort === 80 || rule.FromPort === 443);
      if (group !== ALB_GROUP) {
        findings.push({ rule: 'open-to-world', path, message: `${group} accepts traffic from anywhere` });
      } else if (!webPort) {
        findings.push({
          rule: 'open-to-world',
          path,
          message: `${group} is open to anywhere on ${String(rule.FromPort)}-${String(rule.ToPort)}; only 80 and 443 may be`,
        });
      }
    }
    const source = refName(rule.SourceSecurityGroupId);
    if (group === APP_GROUP && (source !== ALB_GROUP || world || rule.CidrIp !== undefined)) {
      findings.push({
        rule: 'app-ingress',
        path,
        message: `${APP_GROUP} may accept traffic only from ${ALB_GROUP}`,
      });
    }
    if (group === DATABASE_GROUP) {
      const fromAllowed = source === APP_GROUP || source === BASTION_GROUP;
      const enginePort = refName(rule.FromPort) === 'DatabasePort' && refName(rule.ToPort) === 'DatabasePort';
      if (!fromAllowed || !enginePort || rule.CidrIp !== undefined) {
        findings.push({
          rule: 'database-ingress',
          path,
          message: `${DATABASE_GROUP} may accept only the engine port, only from ${APP_GROUP} and ${BASTION_GROUP}`,
        });
      }
    }
    if (group === BASTION_GROUP) {
      findings.push({
        rule: 'bastion-ingress',
        path,
        message: `${BASTION_GROUP} gets no inbound rule in a template`,
      });
    }
  }
}

function auditEncryption(template: CfnTemplate, findings: Finding[]): void {
  const bucketsWithTlsPolicy = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::S3::BucketPolicy') continue;
    const props = resource.Properties ?? {};
    const statements = asList((props.PolicyDocument as Json | undefined)?.Statement) as Json[];
    const tlsOnly = statements.some(
      (s) =>
        s.Effect === 'Deny' &&
        JSON.stringify(s.Condition ?? {}) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );
    const bucket = refName(props.Bucket);
    if (tlsOnly && bucket) bucketsWithTlsPolicy.add(bucket);
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const path = `Resources.${id}`;
    switch (resource.Type) {
      case 'AWS::RDS::DBCluster':
        if (props.StorageEncrypted !== true) {
          findings.push({ rule: 'encryption', path, message: 'Aurora storage must be encrypted' });
        }
        break;
      case 'AWS::S3::Bucket': {
        if (!props.BucketEncryption) {
          findings.push({ rule: 'encryption', path, message: 'bucket needs default encryption' });
        }
        const block = (props.PublicAccessBlockConfiguration ?? {}) as Json;
        const blocked = [
          'BlockPublicAcls',
          'BlockPublicPolicy',
          'IgnorePublicAcls',
          'RestrictPublicBuckets',
        ].every((k) => block[k] === true);
        if (!blocked)
          findings.push({ rule: 's3-public', path, message: 'bucket must block all public access' });
        if (!bucketsWithTlsPolicy.has(id)) {
          findings.push({
            rule: 's3-tls',
            path,
            message: 'bucket needs a policy denying aws:SecureTransport false',
          });
        }
        break;
      }
      case 'AWS::SQS::Queue':
        if (props.SqsManagedSseEnabled !== true && props.KmsMasterKeyId === undefined) {
          findings.push({ rule: 'encryption', path, message: 'queue must be encrypted (SSE-SQS or KMS)' });
        }
        break;
      case 'AWS::ECR::Repository': {
        // Either branch of an Fn::If (AES256 or the project's KMS key) must declare it.
        const config = props.EncryptionConfiguration as Json | undefined;
        const branches = (config?.['Fn::If'] as Json[] | undefined)?.slice(1) ?? [config];
        const types = branches.map((b) => (b as Json | undefined)?.EncryptionType);
        if (!types.every((type) => type === 'AES256' || type === 'KMS')) {
          findings.push({ rule: 'encryption', path, message: 'repository must declare its encryption' });
        }
        break;
      }
      case 'AWS::Logs::LogGroup':
        // CloudWatch Logs always encrypts at rest (AWS-owned keys); retention is what must be set.
        if (props.RetentionInDays === undefined) {
          findings.push({ rule: 'log-retention', path, message: 'log group must set a retention' });
        }
        break;
    }
  }
}

/** Every policy document in the template with where it is. */
function policyDocuments(template: CfnTemplate): { path: string; document: Json }[] {
  const found: { path: string; document: Json }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const path = `Resources.${id}.Properties`;
    if (props.PolicyDocument)
      found.push({ path: `${path}.PolicyDocument`, document: props.PolicyDocument as Json });
    asList(props.Policies).forEach((policy, i) => {
      const document = (policy as Json).PolicyDocument;
      if (document) found.push({ path: `${path}.Policies[${i}].PolicyDocument`, document: document as Json });
    });
  }
  return found;
}

function auditIam(template: CfnTemplate, findings: Finding[]): void {
  for (const { path, document } of policyDocuments(template)) {
    asList(document.Statement).forEach((raw, i) => {
      const statement = raw as Json;
      // Deny statements only take permissions away (e.g. `s3:*` without TLS): wildcards are fine there.
      if (statement.Effect !== 'Allow') return;
      const at = `${path}.Statement[${i}]`;
      if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
        findings.push({
          rule: 'iam-not',
          path: at,
          message: 'Allow with NotAction/NotResource grants too much',
        });
      }
      const actions = asList(statement.Action).flatMap(branches);
      for (const action of actions) {
        if (typeof action === 'string' && action.includes('*')) {
          findings.push({ rule: 'iam-wildcard-action', path: at, message: `wildcard action ${action}` });
        }
      }
      const resources = asList(statement.Resource).flatMap(branches);
      if (resources.some((r) => r === '*')) {
        const unjustified = actions.filter((a) => typeof a !== 'string' || !(a in WILDCARD_RESOURCE_ACTIONS));
        if (unjustified.length > 0) {
          findings.push({
            rule: 'iam-wildcard-resource',
            path: at,
            message: `Resource * for ${unjustified.map(String).join(', ')}, which support resource-level permissions`,
          });
        }
      }
    });
  }
}

function auditWorkloads(template: CfnTemplate, findings: Finding[]): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const path = `Resources.${id}`;
    if (resource.Type === 'AWS::ECS::Service') {
      const awsvpc = ((props.NetworkConfiguration as Json | undefined)?.AwsvpcConfiguration ?? {}) as Json;
      if (awsvpc.AssignPublicIp !== 'DISABLED') {
        findings.push({
          rule: 'public-ip',
          path,
          message: 'tasks must not get public IPs (AssignPublicIp DISABLED)',
        });
      }
      const breaker = ((props.DeploymentConfiguration as Json | undefined)?.DeploymentCircuitBreaker ??
        {}) as Json;
      if (breaker.Enable !== true || breaker.Rollback !== true) {
        findings.push({
          rule: 'circuit-breaker',
          path,
          message: 'deployments need the circuit breaker with rollback',
        });
      }
    }
    if (resource.Type === 'AWS::RDS::DBCluster') {
      if (resource.DeletionPolicy !== 'Snapshot' || resource.UpdateReplacePolicy !== 'Snapshot') {
        findings.push({
          rule: 'database-retention',
          path,
          message: 'the cluster needs DeletionPolicy and UpdateReplacePolicy Snapshot',
        });
      }
      if (props.DeletionProtection !== true) {
        findings.push({ rule: 'database-retention', path, message: 'the cluster needs DeletionProtection' });
      }
    }
    if (resource.Type === 'AWS::RDS::DBInstance' && props.PubliclyAccessible !== false) {
      findings.push({
        rule: 'public-database',
        path,
        message: 'database instances must not be publicly accessible',
      });
    }
    if (resource.Type === 'AWS::ElasticLoadBalancingV2::Listener' && props.Protocol === 'HTTPS') {
      if (typeof props.SslPolicy !== 'string' || !props.SslPolicy.startsWith('ELBSecurityPolicy-TLS13-')) {
        findings.push({
          rule: 'tls-policy',
          path,
          message: 'HTTPS listeners need a TLS 1.3 security policy',
        });
      }
    }
  }
}

/** Runs every rule over a template and returns what breaks them (empty: the template passes). */
export function auditTemplate(template: CfnTemplate): Finding[] {
  const findings: Finding[] = [];
  auditSecurityGroups(template, findings);
  auditEncryption(template, findings);
  auditIam(template, findings);
  auditWorkloads(template, findings);
  return findings;
}
