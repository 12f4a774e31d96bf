import type { LocalCloud } from '../kernel.ts';
import {
  addChanges,
  createChangeSet,
  deleteChangeSet,
  diff,
  executeChangeSet,
  findChangeSet,
} from './engine-change-sets.ts';
import {
  createResource,
  createStack,
  newStack,
  resolveProperties,
  startCreate,
  tags,
} from './engine-create.ts';
import {
  deleteAll,
  deleteResource,
  deleteResources,
  deleteStack,
  policy,
  startDelete,
  updateTerminationProtection,
} from './engine-delete.ts';
import { resourceEvent, stackEvent } from './engine-events.ts';
import { importer, importersOf, importsDynamically, publishOutputs } from './engine-outputs.ts';
import type { ChangeSetRecord, StackRecord } from './engine-records.ts';
import { continueUpdateRollback, finishUpdateRollback } from './engine-rollback.ts';
import { cancel, failResource, operation, runGraph, runGraphAll, timeout } from './engine-scheduling.ts';
import {
  availabilityZones,
  checkImports,
  context,
  ec2Exists,
  prepare,
  ssmParameter,
  stackContext,
  templateBody,
} from './engine-template.ts';
import {
  customName,
  isNoOp,
  prepareUpdate,
  request,
  requireUpdatable,
  startUpdate,
  updateResource,
  updateStack,
} from './engine-update.ts';
import { CfnValidationError } from './errors.ts';
import type { ResourceProvider } from './providers/types.ts';
import { type CfnSpec, loadSpec } from './spec.ts';
import { PSEUDO_PARAMETERS } from './template.ts';

export type {
  ChangeSetRecord,
  PreparedTemplate,
  ResourceChange,
  ResourceRecord,
  StackEventRecord,
  StackOutput,
  StackRecord,
  StackRequest,
} from './engine-records.ts';
export { topologicalOrder } from './engine-scheduling.ts';

/**
 * The CloudFormation engine: stacks, change sets and exports, driven by the virtual clock. API
 * calls validate synchronously and return; the operation then runs resource by resource (in
 * parallel where the dependency graph allows), emitting events as CloudFormation does.
 */
export class CloudFormationEngine {
  readonly cloud: LocalCloud;
  /** The resource specification, loaded on first use (a few hundred ms). */
  get spec(): CfnSpec {
    return loadSpec();
  }
  readonly stacks = new Map<string, StackRecord>();
  readonly changeSets = new Map<string, ChangeSetRecord>();
  readonly exports = new Map<string, { stackId: string; value: string }>();
  readonly providers: (type: string) => ResourceProvider;

  constructor(
    cloud: LocalCloud,
    providers: (type: string, engine: CloudFormationEngine) => ResourceProvider,
  ) {
    this.cloud = cloud;
    this.providers = (type) => providers(type, this);
  }

  // ---- lookups ---------------------------------------------------------------------------

  /** A stack by name (live stacks only) or by stack id (deleted ones too). */
  findStack(nameOrId: string): StackRecord | undefined {
    if (nameOrId.startsWith('arn:')) return this.stacks.get(nameOrId);
    for (const stack of this.stacks.values()) {
      if (stack.stackName === nameOrId && stack.status !== 'DELETE_COMPLETE') return stack;
    }
    return undefined;
  }

  /** A stack, or CloudFormation's "does not exist" ValidationError. */
  requireStack(nameOrId: string | undefined): StackRecord {
    const stack = nameOrId ? this.findStack(nameOrId) : undefined;
    if (!stack) throw new CfnValidationError(`Stack with id ${nameOrId ?? ''} does not exist`);
    return stack;
  }

  /** Resolves when the stack's current operation (if any) has finished. */
  async settled(nameOrId: string): Promise<StackRecord> {
    const stack = this.requireStack(nameOrId);
    while (stack.operation) await stack.operation.done;
    return stack;
  }

  // ---- template validation, parameters, conditions and the intrinsic context: ./engine-template.ts ----
  templateBody(...args: Parameters<typeof templateBody>): ReturnType<typeof templateBody> {
    return templateBody.call(this, ...args);
  }

  prepare(...args: Parameters<typeof prepare>): ReturnType<typeof prepare> {
    return prepare.call(this, ...args);
  }

  checkImports(...args: Parameters<typeof checkImports>): ReturnType<typeof checkImports> {
    return checkImports.call(this, ...args);
  }

  ssmParameter(...args: Parameters<typeof ssmParameter>): ReturnType<typeof ssmParameter> {
    return ssmParameter.call(this, ...args);
  }

  ec2Exists(...args: Parameters<typeof ec2Exists>): ReturnType<typeof ec2Exists> {
    return ec2Exists.call(this, ...args);
  }

  availabilityZones(...args: Parameters<typeof availabilityZones>): ReturnType<typeof availabilityZones> {
    return availabilityZones.call(this, ...args);
  }

  context(...args: Parameters<typeof context>): ReturnType<typeof context> {
    return context.call(this, ...args);
  }

  stackContext(...args: Parameters<typeof stackContext>): ReturnType<typeof stackContext> {
    return stackContext.call(this, ...args);
  }

  // ---- stack and resource events: ./engine-events.ts ----
  stackEvent(...args: Parameters<typeof stackEvent>): ReturnType<typeof stackEvent> {
    return stackEvent.call(this, ...args);
  }

  resourceEvent(...args: Parameters<typeof resourceEvent>): ReturnType<typeof resourceEvent> {
    return resourceEvent.call(this, ...args);
  }

  // ---- operation scheduling: ./engine-scheduling.ts ----
  operation(...args: Parameters<typeof operation>): ReturnType<typeof operation> {
    return operation.call(this, ...args);
  }

  timeout(...args: Parameters<typeof timeout>): ReturnType<typeof timeout> {
    return timeout.call(this, ...args);
  }

  runGraph(...args: Parameters<typeof runGraph>): ReturnType<typeof runGraph> {
    return runGraph.call(this, ...args);
  }

  cancel(...args: Parameters<typeof cancel>): ReturnType<typeof cancel> {
    return cancel.call(this, ...args);
  }

  failResource(...args: Parameters<typeof failResource>): ReturnType<typeof failResource> {
    return failResource.call(this, ...args);
  }

  runGraphAll(...args: Parameters<typeof runGraphAll>): ReturnType<typeof runGraphAll> {
    return runGraphAll.call(this, ...args);
  }

  // ---- CreateStack: ./engine-create.ts ----
  createStack(...args: Parameters<typeof createStack>): ReturnType<typeof createStack> {
    return createStack.call(this, ...args);
  }

  newStack(...args: Parameters<typeof newStack>): ReturnType<typeof newStack> {
    return newStack.call(this, ...args);
  }

  startCreate(...args: Parameters<typeof startCreate>): ReturnType<typeof startCreate> {
    return startCreate.call(this, ...args);
  }

  tags(...args: Parameters<typeof tags>): ReturnType<typeof tags> {
    return tags.call(this, ...args);
  }

  resolveProperties(...args: Parameters<typeof resolveProperties>): ReturnType<typeof resolveProperties> {
    return resolveProperties.call(this, ...args);
  }

  createResource(...args: Parameters<typeof createResource>): ReturnType<typeof createResource> {
    return createResource.call(this, ...args);
  }

  // ---- outputs and exports: ./engine-outputs.ts ----
  publishOutputs(...args: Parameters<typeof publishOutputs>): ReturnType<typeof publishOutputs> {
    return publishOutputs.call(this, ...args);
  }

  importersOf(...args: Parameters<typeof importersOf>): ReturnType<typeof importersOf> {
    return importersOf.call(this, ...args);
  }

  importer(...args: Parameters<typeof importer>): ReturnType<typeof importer> {
    return importer.call(this, ...args);
  }

  importsDynamically(...args: Parameters<typeof importsDynamically>): ReturnType<typeof importsDynamically> {
    return importsDynamically.call(this, ...args);
  }

  // ---- UpdateStack: ./engine-update.ts ----
  updateStack(...args: Parameters<typeof updateStack>): ReturnType<typeof updateStack> {
    return updateStack.call(this, ...args);
  }

  requireUpdatable(...args: Parameters<typeof requireUpdatable>): ReturnType<typeof requireUpdatable> {
    return requireUpdatable.call(this, ...args);
  }

  prepareUpdate(...args: Parameters<typeof prepareUpdate>): ReturnType<typeof prepareUpdate> {
    return prepareUpdate.call(this, ...args);
  }

  isNoOp(...args: Parameters<typeof isNoOp>): ReturnType<typeof isNoOp> {
    return isNoOp.call(this, ...args);
  }

  startUpdate(...args: Parameters<typeof startUpdate>): ReturnType<typeof startUpdate> {
    return startUpdate.call(this, ...args);
  }

  request(...args: Parameters<typeof request>): ReturnType<typeof request> {
    return request.call(this, ...args);
  }

  updateResource(...args: Parameters<typeof updateResource>): ReturnType<typeof updateResource> {
    return updateResource.call(this, ...args);
  }

  customName(...args: Parameters<typeof customName>): ReturnType<typeof customName> {
    return customName.call(this, ...args);
  }

  // ---- update rollback: ./engine-rollback.ts ----
  finishUpdateRollback(
    ...args: Parameters<typeof finishUpdateRollback>
  ): ReturnType<typeof finishUpdateRollback> {
    return finishUpdateRollback.call(this, ...args);
  }

  continueUpdateRollback(
    ...args: Parameters<typeof continueUpdateRollback>
  ): ReturnType<typeof continueUpdateRollback> {
    return continueUpdateRollback.call(this, ...args);
  }

  // ---- DeleteStack and termination protection: ./engine-delete.ts ----
  deleteStack(...args: Parameters<typeof deleteStack>): ReturnType<typeof deleteStack> {
    return deleteStack.call(this, ...args);
  }

  startDelete(...args: Parameters<typeof startDelete>): ReturnType<typeof startDelete> {
    return startDelete.call(this, ...args);
  }

  deleteAll(...args: Parameters<typeof deleteAll>): ReturnType<typeof deleteAll> {
    return deleteAll.call(this, ...args);
  }

  deleteResources(...args: Parameters<typeof deleteResources>): ReturnType<typeof deleteResources> {
    return deleteResources.call(this, ...args);
  }

  deleteResource(...args: Parameters<typeof deleteResource>): ReturnType<typeof deleteResource> {
    return deleteResource.call(this, ...args);
  }

  policy(...args: Parameters<typeof policy>): ReturnType<typeof policy> {
    return policy.call(this, ...args);
  }

  updateTerminationProtection(
    ...args: Parameters<typeof updateTerminationProtection>
  ): ReturnType<typeof updateTerminationProtection> {
    return updateTerminationProtection.call(this, ...args);
  }

  // ---- change sets: ./engine-change-sets.ts ----
  createChangeSet(...args: Parameters<typeof createChangeSet>): ReturnType<typeof createChangeSet> {
    return createChangeSet.call(this, ...args);
  }

  addChanges(...args: Parameters<typeof addChanges>): ReturnType<typeof addChanges> {
    return addChanges.call(this, ...args);
  }

  diff(...args: Parameters<typeof diff>): ReturnType<typeof diff> {
    return diff.call(this, ...args);
  }

  findChangeSet(...args: Parameters<typeof findChangeSet>): ReturnType<typeof findChangeSet> {
    return findChangeSet.call(this, ...args);
  }

  executeChangeSet(...args: Parameters<typeof executeChangeSet>): ReturnType<typeof executeChangeSet> {
    return executeChangeSet.call(this, ...args);
  }

  deleteChangeSet(...args: Parameters<typeof deleteChangeSet>): ReturnType<typeof deleteChangeSet> {
    return deleteChangeSet.call(this, ...args);
  }
}

export { PSEUDO_PARAMETERS };
