/**
 * CloudFormation's template rules, copied from AWS's documentation in one place (read 2026-12-07).
 * The template checks (`validate/*.ts`), the engine and docs/local-cloud.md all read these.
 */

/** The template quotas live with the other AWS rules (shared/aws-rules/cloudformation.ts). */
export {
  CLOUDFORMATION_LIMITS as LIMITS,
  CLOUDFORMATION_QUOTAS_SOURCE as QUOTAS_SOURCE,
} from '#shared/aws-rules/cloudformation.ts';

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html */
export const INTRINSICS_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html';

/** Every intrinsic function CloudFormation knows (Fn::Transform runs macros; Fn::ForEach needs LanguageExtensions). */
export const KNOWN_FUNCTIONS = [
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::ForEach',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Length',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::ToJsonString',
  'Fn::Transform',
  'Ref',
  'Fn::And',
  'Fn::Equals',
  'Fn::If',
  'Fn::Not',
  'Fn::Or',
  'Condition',
] as const;

/** Functions only the `AWS::LanguageExtensions` transform provides. */
export const LANGUAGE_EXTENSION_FUNCTIONS = new Set(['Fn::ForEach', 'Fn::Length', 'Fn::ToJsonString']);

/**
 * "You can use the following functions in the Conditions section: Fn::And, Fn::Equals, Fn::If,
 * Fn::Not, Fn::Or" — and the rules functions only there (Fn::If is for Resources and Outputs).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
 */
export const CONDITION_FUNCTIONS = new Set(['Fn::And', 'Fn::Equals', 'Fn::Not', 'Fn::Or']);
export const CONDITIONS_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html';

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html */
export const DELETION_POLICY_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html';
export const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
/**
 * UpdateReplacePolicy takes Delete | Retain | Snapshot (RetainExceptOnCreate is a DeletionPolicy only).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html
 */
export const UPDATE_REPLACE_POLICIES = new Set(['Delete', 'Retain', 'Snapshot']);
export const UPDATE_REPLACE_POLICY_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html';
/** "For resources that support snapshots": the DeletionPolicy page's Snapshot list. */
export const SNAPSHOT_TYPES = new Set([
  'AWS::DocDB::DBCluster',
  'AWS::EC2::Volume',
  'AWS::ElastiCache::CacheCluster',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::Neptune::DBCluster',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::Redshift::Cluster',
]);

/** The resource attributes a Resources member may carry. https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-attribute-reference.html */
export const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Version',
]);

/**
 * Pre-deployment validation checks resource properties against the registry schemas on
 * CreateStack, UpdateStack and CreateChangeSet, before any resource is provisioned; values that
 * need a resource's id or attribute are checked by the resource handler at provisioning.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/validate-stack-deployments.html
 */
export const PRE_DEPLOYMENT_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/validate-stack-deployments.html';
/** StackEvent.DetailedStatus VALIDATION_FAILED. https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html */
export const STACK_EVENT_SOURCE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html';
/** A change set that fails early validation cannot be executed (its status is FAILED). */
export const EARLY_VALIDATION_REASON =
  'The following hook(s)/validation failed: [AWS::EarlyValidation::PropertyValidation]. To troubleshoot Early Validation errors, use the DescribeEvents API for detailed failure information.';
