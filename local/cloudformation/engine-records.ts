/**
 * What the CloudFormation engine keeps per stack, change set and operation, and the small rules
 * every engine step shares (which statuses accept an update, what a stack name looks like). Its own
 * module so the job modules (create, update, delete, change sets...) can read the records without
 * importing the engine class.
 */
import type { AwsError } from '../errors.ts';
import type { ChangeDetail } from './changes.ts';
import type { ResolvedParameters, SuppliedParameter } from './parameters.ts';
import type { ResourceTag } from './providers/types.ts';
import type { CfnTemplate, PlannedResource, TemplateResource } from './template.ts';
import type { PropertyValidationFailure } from './validate/properties.ts';

/** One entry of DescribeStackEvents. */
export interface StackEventRecord {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Timestamp: Date;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ResourceProperties?: string;
  ClientRequestToken?: string;
  DetailedStatus?: string;
}

/** A resource of a stack as the engine tracks it. */
export interface ResourceRecord {
  logicalId: string;
  type: string;
  definition: TemplateResource;
  dependsOn: string[];
  physicalId?: string;
  status: string;
  statusReason?: string;
  timestamp: Date;
  /** Evaluated properties the resource was last created or updated with. */
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

export interface StackOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

/** A template with its parameters resolved, conditions evaluated and resources planned. */
export interface PreparedTemplate {
  body: string;
  template: CfnTemplate;
  parameters: ResolvedParameters;
  condition: (name: string) => boolean;
  plan: Map<string, PlannedResource>;
  /** Resources whose known property values the registry schemas refuse (pre-deployment validation). */
  validationFailures: PropertyValidationFailure[];
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  creationTime: Date;
  lastUpdatedTime?: Date;
  deletionTime?: Date;
  prepared: PreparedTemplate;
  tags: ResourceTag[];
  capabilities: string[];
  notificationArns: string[];
  roleArn?: string;
  timeoutInMinutes?: number;
  disableRollback: boolean;
  terminationProtection: boolean;
  outputs: StackOutput[];
  resources: Map<string, ResourceRecord>;
  events: StackEventRecord[];
  parentId?: string;
  rootId?: string;
  /** ClientRequestToken → operation that used it. */
  tokens: Map<string, string>;
  /** The operation in progress (create, update, delete, rollback), if any. */
  operation?: Operation;
  /** What an update rollback left undone (UPDATE_ROLLBACK_FAILED), for ContinueUpdateRollback. */
  pendingRollback?: {
    restore: { id: string; attempted: Record<string, unknown> }[];
    newlyCreated: ResourceRecord[];
    created: string[];
  };
  changeSetId?: string;
}

/** One stack operation in flight; `cancelled` stops resources that have not finished yet. */
export interface Operation {
  kind: 'create' | 'update' | 'delete';
  token?: string;
  cancelled: boolean;
  deleteRequested: boolean;
  running: Set<string>;
  done: Promise<void>;
  timedOut?: boolean;
  /** Ends the resource graph in progress early (on failure or cancellation). */
  resolveGraph?: (ok: boolean) => void;
}

export interface ResourceChange {
  Type: 'Resource';
  ResourceChange: {
    Action: 'Add' | 'Modify' | 'Remove';
    LogicalResourceId: string;
    PhysicalResourceId?: string;
    ResourceType: string;
    Replacement?: 'True' | 'False' | 'Conditional';
    Scope: string[];
    Details: ChangeDetail[];
  };
}

export interface ChangeSetRecord {
  id: string;
  name: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  status: 'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'DELETE_COMPLETE' | 'FAILED';
  statusReason?: string;
  executionStatus:
    | 'UNAVAILABLE'
    | 'AVAILABLE'
    | 'EXECUTE_IN_PROGRESS'
    | 'EXECUTE_COMPLETE'
    | 'EXECUTE_FAILED'
    | 'OBSOLETE';
  creationTime: Date;
  description?: string;
  prepared: PreparedTemplate;
  tags: ResourceTag[];
  capabilities: string[];
  notificationArns: string[];
  changes: ResourceChange[];
  clientToken?: string;
}

/** Input shared by CreateStack, UpdateStack and CreateChangeSet. */
export interface StackRequest {
  StackName?: string;
  TemplateBody?: string;
  TemplateURL?: string;
  UsePreviousTemplate?: boolean;
  Parameters?: SuppliedParameter[];
  Capabilities?: string[];
  Tags?: ResourceTag[];
  NotificationARNs?: string[];
  RoleARN?: string;
  ClientRequestToken?: string;
  DisableRollback?: boolean;
  OnFailure?: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE';
  TimeoutInMinutes?: number;
  EnableTerminationProtection?: boolean;
}

export const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

export const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

export function isAwsError(error: unknown): error is AwsError {
  return error instanceof Error && typeof (error as AwsError).code === 'string';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
