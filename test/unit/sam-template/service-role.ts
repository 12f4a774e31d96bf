import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import {
  actionMatches,
  conditionValues,
  identityStatements,
  loadPolicyCatalog,
  type SourcedStatement,
} from './audit.ts';

/**
 * What the CloudFormation service role must be allowed to do for each resource type the stage
 * templates (templates/*.yaml) declare: the calls CloudFormation makes to create, update, read back,
 * tag (stack tags propagate) and delete resources with the properties stackdrop uses. A type missing
 * here fails the coverage test, so a new resource type cannot ship without its permissions.
 */
export const SERVICE_ROLE_NEEDS: Record<string, string[]> = {
  // CloudFormation's create/update/delete of a customer-managed key (stack tags become key tags).
  'AWS::KMS::Key': [
    'kms:CreateKey',
    'kms:DescribeKey',
    'kms:PutKeyPolicy',
    'kms:GetKeyPolicy',
    'kms:EnableKeyRotation',
    'kms:GetKeyRotationStatus',
    'kms:TagResource',
    'kms:ListResourceTags',
    'kms:ScheduleKeyDeletion',
  ],
  'AWS::ElastiCache::ServerlessCache': [
    'elasticache:CreateServerlessCache',
    'elasticache:DescribeServerlessCaches',
    'elasticache:ModifyServerlessCache',
    'elasticache:DeleteServerlessCache',
    'elasticache:AddTagsToResource',
    'elasticache:ListTagsForResource',
  ],
  'AWS::EC2::VPC': [
    'ec2:CreateVpc',
    'ec2:DeleteVpc',
    'ec2:ModifyVpcAttribute',
    'ec2:DescribeVpcs',
    'ec2:DescribeVpcAttribute',
    'ec2:CreateTags',
    'ec2:DeleteTags',
  ],
  'AWS::EC2::Subnet': [
    'ec2:CreateSubnet',
    'ec2:DeleteSubnet',
    'ec2:ModifySubnetAttribute',
    'ec2:DescribeSubnets',
    'ec2:DescribeAvailabilityZones',
    'ec2:CreateTags',
  ],
  'AWS::EC2::InternetGateway': [
    'ec2:CreateInternetGateway',
    'ec2:DeleteInternetGateway',
    'ec2:DescribeInternetGateways',
    'ec2:CreateTags',
  ],
  'AWS::EC2::VPCGatewayAttachment': [
    'ec2:AttachInternetGateway',
    'ec2:DetachInternetGateway',
    'ec2:DescribeInternetGateways',
  ],
  'AWS::EC2::EIP': [
    'ec2:AllocateAddress',
    'ec2:ReleaseAddress',
    'ec2:DisassociateAddress',
    'ec2:DescribeAddresses',
    'ec2:CreateTags',
  ],
  'AWS::EC2::NatGateway': [
    'ec2:CreateNatGateway',
    'ec2:DeleteNatGateway',
    'ec2:DescribeNatGateways',
    'ec2:CreateTags',
  ],
  'AWS::EC2::RouteTable': [
    'ec2:CreateRouteTable',
    'ec2:DeleteRouteTable',
    'ec2:DescribeRouteTables',
    'ec2:CreateTags',
  ],
  'AWS::EC2::Route': ['ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute', 'ec2:DescribeRouteTables'],
  'AWS::EC2::SubnetRouteTableAssociation': [
    'ec2:AssociateRouteTable',
    'ec2:DisassociateRouteTable',
    'ec2:ReplaceRouteTableAssociation',
    'ec2:DescribeRouteTables',
  ],
  'AWS::EC2::SecurityGroup': [
    'ec2:CreateSecurityGroup',
    'ec2:DeleteSecurityGroup',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:DescribeSecurityGroups',
    'ec2:CreateTags',
  ],
  'AWS::EC2::SecurityGroupIngress': [
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
    'ec2:DescribeSecurityGroupRules',
  ],
  'AWS::EC2::SecurityGroupEgress': [
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
    'ec2:DescribeSecurityGroupRules',
  ],
  'AWS::EC2::VPCEndpoint': [
    'ec2:CreateVpcEndpoint',
    'ec2:ModifyVpcEndpoint',
    'ec2:DeleteVpcEndpoints',
    'ec2:DescribeVpcEndpoints',
    'ec2:CreateTags',
    'route53:AssociateVPCWithHostedZone',
  ],
  'AWS::EC2::FlowLog': [
    'ec2:CreateFlowLogs',
    'ec2:DeleteFlowLogs',
    'ec2:DescribeFlowLogs',
    'ec2:CreateTags',
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'iam:PassRole',
  ],
  'AWS::IAM::Role': [
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:GetRole',
    'iam:UpdateRoleDescription',
    'iam:UpdateAssumeRolePolicy',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:PutRolePolicy',
    'iam:GetRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:ListRolePolicies',
    'iam:ListAttachedRolePolicies',
  ],
  'AWS::IAM::Policy': ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
  'AWS::Logs::LogGroup': [
    'logs:CreateLogGroup',
    'logs:DeleteLogGroup',
    'logs:PutRetentionPolicy',
    'logs:DeleteRetentionPolicy',
    'logs:DescribeLogGroups',
    'logs:TagResource',
    'logs:UntagResource',
    'logs:ListTagsForResource',
  ],
  'AWS::ECR::Repository': [
    'ecr:CreateRepository',
    'ecr:DeleteRepository',
    'ecr:DescribeRepositories',
    'ecr:PutLifecyclePolicy',
    'ecr:GetLifecyclePolicy',
    'ecr:PutImageScanningConfiguration',
    'ecr:PutImageTagMutability',
    'ecr:TagResource',
    'ecr:UntagResource',
    'ecr:ListTagsForResource',
    'ecr:BatchDeleteImage',
  ],
  'AWS::ECS::Cluster': [
    'ecs:CreateCluster',
    'ecs:DeleteCluster',
    'ecs:UpdateCluster',
    'ecs:PutClusterCapacityProviders',
    'ecs:DescribeClusters',
    'ecs:TagResource',
    'ecs:UntagResource',
    'iam:CreateServiceLinkedRole',
  ],
  'AWS::ECS::TaskDefinition': [
    'ecs:RegisterTaskDefinition',
    'ecs:DeregisterTaskDefinition',
    'ecs:DescribeTaskDefinition',
    'ecs:TagResource',
    'iam:GetRole',
    'iam:PassRole',
  ],
  'AWS::ECS::Service': [
    'ecs:CreateService',
    'ecs:UpdateService',
    'ecs:DeleteService',
    'ecs:DescribeServices',
    'ecs:TagResource',
    'ecs:UntagResource',
    'elasticloadbalancing:DescribeTargetGroups',
    'iam:CreateServiceLinkedRole',
  ],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': [
    'elasticloadbalancing:CreateLoadBalancer',
    'elasticloadbalancing:DeleteLoadBalancer',
    'elasticloadbalancing:ModifyLoadBalancerAttributes',
    'elasticloadbalancing:SetSecurityGroups',
    'elasticloadbalancing:SetSubnets',
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeLoadBalancerAttributes',
    'elasticloadbalancing:AddTags',
    'elasticloadbalancing:RemoveTags',
    'iam:CreateServiceLinkedRole',
  ],
  'AWS::ElasticLoadBalancingV2::TargetGroup': [
    'elasticloadbalancing:CreateTargetGroup',
    'elasticloadbalancing:DeleteTargetGroup',
    'elasticloadbalancing:ModifyTargetGroup',
    'elasticloadbalancing:ModifyTargetGroupAttributes',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:AddTags',
  ],
  'AWS::ElasticLoadBalancingV2::Listener': [
    'elasticloadbalancing:CreateListener',
    'elasticloadbalancing:DeleteListener',
    'elasticloadbalancing:ModifyListener',
    'elasticloadbalancing:DescribeListeners',
    'acm:DescribeCertificate',
  ],
  'AWS::ElasticLoadBalancingV2::ListenerRule': [
    'elasticloadbalancing:CreateRule',
    'elasticloadbalancing:DeleteRule',
    'elasticloadbalancing:ModifyRule',
    'elasticloadbalancing:SetRulePriorities',
    'elasticloadbalancing:DescribeRules',
  ],
  'AWS::S3::Bucket': [
    's3:CreateBucket',
    's3:DeleteBucket',
    's3:PutEncryptionConfiguration',
    's3:GetEncryptionConfiguration',
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketPublicAccessBlock',
    's3:PutBucketOwnershipControls',
    's3:PutBucketVersioning',
    's3:PutLifecycleConfiguration',
    's3:PutBucketTagging',
  ],
  'AWS::S3::BucketPolicy': ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
  'AWS::SQS::Queue': [
    'sqs:CreateQueue',
    'sqs:DeleteQueue',
    'sqs:GetQueueUrl',
    'sqs:GetQueueAttributes',
    'sqs:SetQueueAttributes',
    'sqs:TagQueue',
    'sqs:ListQueueTags',
  ],
  'AWS::SQS::QueuePolicy': ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'],
  'AWS::RDS::DBSubnetGroup': [
    'rds:CreateDBSubnetGroup',
    'rds:ModifyDBSubnetGroup',
    'rds:DeleteDBSubnetGroup',
    'rds:DescribeDBSubnetGroups',
    'rds:AddTagsToResource',
    'rds:ListTagsForResource',
  ],
  'AWS::RDS::DBClusterParameterGroup': [
    'rds:CreateDBClusterParameterGroup',
    'rds:ModifyDBClusterParameterGroup',
    'rds:DeleteDBClusterParameterGroup',
    'rds:DescribeDBClusterParameterGroups',
    'rds:DescribeDBClusterParameters',
    'rds:DescribeEngineDefaultClusterParameters',
    'rds:AddTagsToResource',
  ],
  'AWS::RDS::DBCluster': [
    'rds:CreateDBCluster',
    'rds:ModifyDBCluster',
    'rds:DeleteDBCluster',
    'rds:CreateDBClusterSnapshot',
    'rds:DescribeDBClusters',
    'rds:DescribeDBEngineVersions',
    'rds:DescribeEvents',
    'rds:AddTagsToResource',
    'rds:RemoveTagsFromResource',
    'secretsmanager:CreateSecret',
    'secretsmanager:TagResource',
    'kms:DescribeKey',
    'kms:CreateGrant',
    'iam:CreateServiceLinkedRole',
  ],
  'AWS::RDS::DBInstance': [
    'rds:CreateDBInstance',
    'rds:ModifyDBInstance',
    'rds:RebootDBInstance',
    'rds:DeleteDBInstance',
    'rds:DescribeDBInstances',
    'rds:AddTagsToResource',
    'ec2:DescribeSubnets',
  ],
  'AWS::ApplicationAutoScaling::ScalableTarget': [
    'application-autoscaling:RegisterScalableTarget',
    'application-autoscaling:DeregisterScalableTarget',
    'application-autoscaling:DescribeScalableTargets',
    'application-autoscaling:TagResource',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'iam:CreateServiceLinkedRole',
  ],
  'AWS::ApplicationAutoScaling::ScalingPolicy': [
    'application-autoscaling:PutScalingPolicy',
    'application-autoscaling:DeleteScalingPolicy',
    'application-autoscaling:DescribeScalingPolicies',
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:DeleteAlarms',
  ],
  'AWS::CloudWatch::Dashboard': [
    'cloudwatch:PutDashboard',
    'cloudwatch:GetDashboard',
    'cloudwatch:DeleteDashboards',
  ],
  'AWS::CloudWatch::Alarm': [
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:DeleteAlarms',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:TagResource',
  ],
  // CloudFormation writes the validation records into the zone (DomainValidationOptions.HostedZoneId).
  'AWS::CertificateManager::Certificate': [
    'acm:RequestCertificate',
    'acm:DescribeCertificate',
    'acm:DeleteCertificate',
    'acm:AddTagsToCertificate',
    'acm:ListTagsForCertificate',
    'route53:ChangeResourceRecordSets',
    'route53:GetChange',
  ],
  'AWS::Route53::RecordSet': [
    'route53:ChangeResourceRecordSets',
    'route53:GetChange',
    'route53:ListResourceRecordSets',
    'route53:GetHostedZone',
  ],
  'AWS::CloudFront::CachePolicy': [
    'cloudfront:CreateCachePolicy',
    'cloudfront:GetCachePolicy',
    'cloudfront:UpdateCachePolicy',
    'cloudfront:DeleteCachePolicy',
  ],
  'AWS::CloudFront::OriginRequestPolicy': [
    'cloudfront:CreateOriginRequestPolicy',
    'cloudfront:GetOriginRequestPolicy',
    'cloudfront:UpdateOriginRequestPolicy',
    'cloudfront:DeleteOriginRequestPolicy',
  ],
  'AWS::CloudFront::OriginAccessControl': [
    'cloudfront:CreateOriginAccessControl',
    'cloudfront:GetOriginAccessControl',
    'cloudfront:UpdateOriginAccessControl',
    'cloudfront:DeleteOriginAccessControl',
  ],
  'AWS::CloudFront::Distribution': [
    'cloudfront:CreateDistribution',
    'cloudfront:GetDistribution',
    'cloudfront:GetDistributionConfig',
    'cloudfront:UpdateDistribution',
    'cloudfront:DeleteDistribution',
    'cloudfront:TagResource',
    'cloudfront:ListTagsForResource',
  ],
  'AWS::WAFv2::WebACL': [
    'wafv2:CreateWebACL',
    'wafv2:GetWebACL',
    'wafv2:UpdateWebACL',
    'wafv2:DeleteWebACL',
    'wafv2:TagResource',
    'wafv2:ListTagsForResource',
  ],
  'AWS::WAFv2::WebACLAssociation': [
    'wafv2:AssociateWebACL',
    'wafv2:DisassociateWebACL',
    'wafv2:GetWebACLForResource',
    'elasticloadbalancing:SetWebACL',
  ],
};

/** Services the stage templates pass roles to (`iam:PassedToService`), by the resource type that does. */
export const PASS_ROLE_NEEDS: Record<string, string> = {
  'AWS::ECS::TaskDefinition': 'ecs-tasks.amazonaws.com',
  'AWS::EC2::FlowLog': 'vpc-flow-logs.amazonaws.com',
};

/** Service-linked roles the first stack of an account makes AWS create, by the resource type that does. */
export const SERVICE_LINKED_ROLE_NEEDS: Record<string, string> = {
  'AWS::ECS::Cluster': 'ecs.amazonaws.com',
  'AWS::ECS::Service': 'ecs.amazonaws.com',
  'AWS::RDS::DBCluster': 'rds.amazonaws.com',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'elasticloadbalancing.amazonaws.com',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'ecs.application-autoscaling.amazonaws.com',
  // ElastiCache makes its service-linked role on the first cache of an account.
  'AWS::ElastiCache::ServerlessCache': 'elasticache.amazonaws.com',
};

/** Resource types declared by a set of templates, sorted. */
export function resourceTypes(templates: CfnTemplate[]): string[] {
  return [
    ...new Set(templates.flatMap((template) => Object.values(template.Resources).map((r) => r.Type))),
  ].sort();
}

/** A `{ type, missing }` entry per resource type whose needed action no Allow statement grants. */
export function uncoveredActions(
  types: string[],
  statements: SourcedStatement[],
): { type: string; missing: string[] }[] {
  const allows = statements.filter((s) => s.statement.Effect === 'Allow');
  return types
    .map((type) => {
      const needs = SERVICE_ROLE_NEEDS[type];
      if (!needs)
        return { type, missing: ['(resource type unknown to SERVICE_ROLE_NEEDS: list its permissions)'] };
      const missing = needs.filter(
        (action) =>
          !allows.some((s) =>
            [s.statement.Action]
              .flat()
              .some((pattern) => typeof pattern === 'string' && actionMatches(pattern, action)),
          ),
      );
      return { type, missing };
    })
    .filter((entry) => entry.missing.length > 0);
}

/** Values an action is allowed with for a condition key, across the statements that grant it. */
export function grantedConditionValues(
  statements: SourcedStatement[],
  action: string,
  key: string,
): unknown[] {
  return statements
    .filter(
      (s) =>
        s.statement.Effect === 'Allow' &&
        [s.statement.Action]
          .flat()
          .some((pattern) => typeof pattern === 'string' && actionMatches(pattern, action)),
    )
    .flatMap((s) => conditionValues(s.statement, key));
}

/**
 * The CloudFormation service role's statements: its inline policy and the AWS::IAM::ManagedPolicy
 * resources attached to it through their Roles property.
 */
export function serviceRoleStatements(template: CfnTemplate): SourcedStatement[] {
  const attached = Object.entries(template.Resources)
    .filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::ManagedPolicy' &&
        JSON.stringify(r.Properties?.Roles ?? []).includes('"CloudFormationServiceRole"'),
    )
    .map(([id]) => id);
  return identityStatements(template, loadPolicyCatalog()).filter(
    (s) => s.owner === 'CloudFormationServiceRole' || attached.includes(s.owner),
  );
}
