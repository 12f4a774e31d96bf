/**
 * Change sets: CreateChangeSet (the diff against the running stack), DescribeChangeSet lookups,
 * ExecuteChangeSet and DeleteChangeSet. Split from engine.ts.
 */
import { randomUUID } from 'node:crypto';
import { describePropertyChanges, type PlannedOutcome, replacementOf } from './changes.ts';
import type { CloudFormationEngine } from './engine.ts';
import type {
  ChangeSetRecord,
  PreparedTemplate,
  ResourceChange,
  StackRecord,
  StackRequest,
} from './engine-records.ts';
import { STACK_NAME } from './engine-records.ts';
import { topologicalOrder } from './engine-scheduling.ts';
import { CfnApiError, CfnValidationError } from './errors.ts';
import { evaluate } from './intrinsics.ts';
import { checkCapabilities } from './template.ts';
import { EARLY_VALIDATION_REASON } from './validate/rules.ts';

// ---- change sets -----------------------------------------------------------------------

/** CreateChangeSet: computes the changes, then marks the change set complete after a moment. */
export function createChangeSet(
  this: CloudFormationEngine,
  request: StackRequest & {
    ChangeSetName?: string;
    ChangeSetType?: string;
    Description?: string;
    ClientToken?: string;
  },
): ChangeSetRecord {
  const name = request.ChangeSetName ?? '';
  if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name)) {
    throw new CfnValidationError(
      `1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
  }
  const type = (request.ChangeSetType ?? 'UPDATE') as 'CREATE' | 'UPDATE';
  let stack = request.StackName ? this.findStack(request.StackName) : undefined;
  if (type === 'CREATE') {
    if (stack && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw new CfnValidationError(
        `Stack [${stack.stackName}] already exists and cannot be created again with the changeSet [${name}].`,
      );
    }
  } else if (!stack) {
    throw new CfnValidationError(`Stack [${request.StackName ?? ''}] does not exist`);
  } else this.requireUpdatable(stack);
  for (const cs of this.changeSets.values()) {
    if (stack && cs.stackId === stack.stackId && cs.name === name) {
      if (request.ClientToken && cs.clientToken === request.ClientToken) return cs;
      throw new CfnApiError('AlreadyExistsException', `ChangeSet ${name} already exists`);
    }
  }
  const stackName = request.StackName ?? '';
  const stackId = stack?.stackId ?? this.cloud.arn('cloudformation', `stack/${stackName}/${randomUUID()}`);
  let prepared: PreparedTemplate;
  if (type === 'CREATE') {
    if (!STACK_NAME.test(stackName)) throw new CfnValidationError(`Invalid stack name ${stackName}`);
    prepared = this.prepare(this.templateBody(request), request.Parameters ?? [], {
      stackName,
      stackId,
      notificationArns: request.NotificationARNs ?? [],
    });
  } else prepared = this.prepareUpdate(stack!, request);
  checkCapabilities(prepared.template, request.Capabilities ?? stack?.capabilities ?? []);
  if (!stack) {
    stack = this.newStack(stackId, stackName, prepared, request, undefined);
    this.stacks.set(stackId, stack);
    this.stackEvent(stack, 'REVIEW_IN_PROGRESS', 'User Initiated');
  }
  const changes =
    type === 'CREATE' || stack.status === 'REVIEW_IN_PROGRESS'
      ? this.addChanges(prepared)
      : this.diff(stack, prepared);
  const record: ChangeSetRecord = {
    id: this.cloud.arn('cloudformation', `changeSet/${name}/${randomUUID()}`),
    name,
    stackId: stack.stackId,
    stackName: stack.stackName,
    type,
    status: 'CREATE_PENDING',
    executionStatus: 'UNAVAILABLE',
    creationTime: this.cloud.clock.date(),
    description: request.Description,
    prepared,
    tags: request.Tags ?? stack.tags,
    capabilities: request.Capabilities ?? [],
    notificationArns: request.NotificationARNs ?? stack.notificationArns,
    changes,
    clientToken: request.ClientToken,
  };
  const empty =
    type === 'UPDATE' &&
    stack.status !== 'REVIEW_IN_PROGRESS' &&
    changes.length === 0 &&
    this.isNoOp(stack, prepared, request);
  const invalid = prepared.validationFailures.length > 0;
  this.changeSets.set(record.id, record);
  this.cloud.clock.setTimer(1_000, () => {
    if (record.status !== 'CREATE_PENDING') return;
    record.status = 'CREATE_IN_PROGRESS';
  });
  this.cloud.clock.setTimer(2_000, () => {
    if (record.status === 'DELETE_COMPLETE') return;
    if (invalid) {
      // Early validation: the change set fails and can never be executed.
      record.status = 'FAILED';
      record.statusReason = EARLY_VALIDATION_REASON;
      record.executionStatus = 'UNAVAILABLE';
    } else if (empty) {
      record.status = 'FAILED';
      record.statusReason =
        "The submitted information didn't contain changes. Submit different information to create a change set.";
      record.executionStatus = 'UNAVAILABLE';
    } else {
      record.status = 'CREATE_COMPLETE';
      record.executionStatus = 'AVAILABLE';
    }
  });
  return record;
}

export function addChanges(this: CloudFormationEngine, prepared: PreparedTemplate): ResourceChange[] {
  return [...prepared.plan.values()].map((r) => ({
    Type: 'Resource',
    ResourceChange: {
      Action: 'Add',
      LogicalResourceId: r.logicalId,
      ResourceType: r.type,
      Scope: [],
      Details: [],
    },
  }));
}

/** The changes an update would make, resource by resource, in dependency order. */
export function diff(
  this: CloudFormationEngine,
  stack: StackRecord,
  prepared: PreparedTemplate,
): ResourceChange[] {
  const changedParameters = new Set<string>();
  const oldParams = new Map(
    stack.prepared.parameters.described.map((p) => [p.ParameterKey, p.ResolvedValue ?? p.ParameterValue]),
  );
  for (const p of prepared.parameters.described) {
    if (oldParams.get(p.ParameterKey) !== (p.ResolvedValue ?? p.ParameterValue))
      changedParameters.add(p.ParameterKey);
  }
  const outcome: PlannedOutcome = {
    replaced: new Set(),
    modified: new Set(),
    parameters: new Set(Object.keys(prepared.template.Parameters ?? {})),
    changedParameters,
  };
  const changes: ResourceChange[] = [];
  const order = topologicalOrder(prepared.plan);
  const ctx = this.stackContext(stack, prepared, 'Resources');
  for (const id of order) {
    const planned = prepared.plan.get(id)!;
    const current = stack.resources.get(id);
    if (!current) {
      changes.push({
        Type: 'Resource',
        ResourceChange: {
          Action: 'Add',
          LogicalResourceId: id,
          ResourceType: planned.type,
          Scope: [],
          Details: [],
        },
      });
      outcome.replaced.add(id);
      continue;
    }
    let newValues: Record<string, unknown>;
    try {
      newValues = evaluate(planned.definition.Properties ?? {}, ctx) as Record<string, unknown>;
    } catch {
      // References to resources that do not exist yet: compare the template text only.
      newValues = current.properties;
    }
    const details = describePropertyChanges(
      planned.type,
      current.definition.Properties ?? {},
      planned.definition.Properties ?? {},
      current.properties,
      newValues,
      outcome,
      prepared.condition,
      this.spec,
    );
    if (details.length === 0) continue;
    const replacement = replacementOf(planned.type, details);
    if (replacement === 'True') outcome.replaced.add(id);
    else outcome.modified.add(id);
    const scope = [...new Set(details.map((d) => d.Target.Attribute))];
    changes.push({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: id,
        PhysicalResourceId: current.physicalId,
        ResourceType: planned.type,
        Replacement: replacement,
        Scope: scope,
        Details: details,
      },
    });
  }
  for (const [id, current] of stack.resources) {
    if (prepared.plan.has(id)) continue;
    changes.push({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Remove',
        LogicalResourceId: id,
        PhysicalResourceId: current.physicalId,
        ResourceType: current.type,
        Scope: [],
        Details: [],
      },
    });
  }
  return changes;
}

/** A change set by ARN, or by name within a stack. */
export function findChangeSet(
  this: CloudFormationEngine,
  nameOrArn: string | undefined,
  stackName?: string,
): ChangeSetRecord {
  const byArn = nameOrArn ? this.changeSets.get(nameOrArn) : undefined;
  if (byArn) return byArn;
  const stack = stackName ? this.findStack(stackName) : undefined;
  for (const cs of this.changeSets.values()) {
    if (cs.name === nameOrArn && stack && cs.stackId === stack.stackId) return cs;
  }
  throw new CfnApiError('ChangeSetNotFound', `ChangeSet [${nameOrArn ?? ''}] does not exist`, {
    statusCode: 404,
  });
}

/** ExecuteChangeSet: runs the create or update the change set describes. */
export function executeChangeSet(
  this: CloudFormationEngine,
  request: {
    ChangeSetName?: string;
    StackName?: string;
    ClientRequestToken?: string;
    DisableRollback?: boolean;
  },
): void {
  const cs = this.findChangeSet(request.ChangeSetName, request.StackName);
  const stack = this.requireStack(cs.stackId);
  if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'ExecuteChangeSet')
    return;
  if (cs.executionStatus !== 'AVAILABLE') {
    throw new CfnApiError(
      'InvalidChangeSetStatus',
      `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`,
    );
  }
  if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'ExecuteChangeSet');
  cs.executionStatus = 'EXECUTE_IN_PROGRESS';
  const stackRequest: StackRequest = {
    Tags: cs.tags,
    Capabilities: cs.capabilities,
    NotificationARNs: cs.notificationArns,
    ClientRequestToken: request.ClientRequestToken,
    DisableRollback: request.DisableRollback,
  };
  for (const other of this.changeSets.values()) {
    if (other.stackId === stack.stackId && other !== cs) other.executionStatus = 'OBSOLETE';
  }
  if (stack.status === 'REVIEW_IN_PROGRESS') {
    stack.prepared = cs.prepared;
    stack.tags = cs.tags;
    stack.capabilities = cs.capabilities;
    stack.disableRollback = request.DisableRollback === true;
    stack.changeSetId = cs.id;
    this.startCreate(stack, stackRequest);
  } else {
    this.requireUpdatable(stack);
    this.startUpdate(stack, cs.prepared, stackRequest, cs.id);
  }
  void stack.operation?.done.then(() => {
    cs.executionStatus = /FAILED|ROLLBACK/.test(stack.status) ? 'EXECUTE_FAILED' : 'EXECUTE_COMPLETE';
  });
}

/** DeleteChangeSet. */
export function deleteChangeSet(
  this: CloudFormationEngine,
  request: { ChangeSetName?: string; StackName?: string },
): void {
  const cs = this.findChangeSet(request.ChangeSetName, request.StackName);
  if (cs.executionStatus === 'EXECUTE_IN_PROGRESS') {
    throw new CfnApiError(
      'InvalidChangeSetStatus',
      `ChangeSet [${cs.id}] cannot be deleted in its current status of [${cs.status}]`,
    );
  }
  cs.status = 'DELETE_COMPLETE';
  this.changeSets.delete(cs.id);
}
