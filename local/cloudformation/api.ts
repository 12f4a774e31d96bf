import type { OperationHandler, ServiceDefinition } from '../kernel.ts';
import type { ChangeSetRecord, CloudFormationEngine, ResourceRecord, StackRecord } from './engine.ts';
import { CfnValidationError } from './errors.ts';
import type { ResolvedParameters } from './parameters.ts';
import {
  checkOutputs,
  loadTemplate,
  planResources,
  requiredCapabilities,
  validateTemplateStatic,
} from './template.ts';

const PAGE = 100;

function maskedParameters(parameters: ResolvedParameters) {
  return parameters.described.map((p) => ({
    ParameterKey: p.ParameterKey,
    ParameterValue: parameters.noEcho.has(p.ParameterKey) ? '****' : p.ParameterValue,
    ...(p.ResolvedValue !== undefined ? { ResolvedValue: p.ResolvedValue } : {}),
  }));
}

function describeStack(stack: StackRecord) {
  const description = stack.prepared.template.Description;
  return {
    StackId: stack.stackId,
    StackName: stack.stackName,
    ChangeSetId: stack.changeSetId,
    Description: typeof description === 'string' ? description : undefined,
    Parameters: maskedParameters(stack.prepared.parameters),
    CreationTime: stack.creationTime,
    DeletionTime: stack.deletionTime,
    LastUpdatedTime: stack.lastUpdatedTime,
    RollbackConfiguration: {},
    StackStatus: stack.status,
    StackStatusReason: stack.statusReason,
    DisableRollback: stack.disableRollback,
    NotificationARNs: stack.notificationArns,
    TimeoutInMinutes: stack.timeoutInMinutes,
    Capabilities: stack.capabilities,
    Outputs: stack.outputs,
    RoleARN: stack.roleArn,
    Tags: stack.tags,
    EnableTerminationProtection: stack.terminationProtection,
    ParentId: stack.parentId,
    RootId: stack.rootId,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

function resourceSummary(stack: StackRecord, r: ResourceRecord) {
  return {
    StackName: stack.stackName,
    StackId: stack.stackId,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: r.timestamp,
    ResourceStatus: r.status,
    ResourceStatusReason: r.statusReason,
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

function page<T>(items: T[], token: string | undefined): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const slice = items.slice(start, start + PAGE);
  return { items: slice, next: start + PAGE < items.length ? String(start + PAGE) : undefined };
}

function describeChangeSet(cs: ChangeSetRecord) {
  return {
    ChangeSetName: cs.name,
    ChangeSetId: cs.id,
    StackId: cs.stackId,
    StackName: cs.stackName,
    Description: cs.description,
    Parameters: maskedParameters(cs.prepared.parameters),
    CreationTime: cs.creationTime,
    ExecutionStatus: cs.executionStatus,
    Status: cs.status,
    StatusReason: cs.statusReason,
    NotificationARNs: cs.notificationArns,
    Capabilities: cs.capabilities,
    Tags: cs.tags,
    Changes: cs.status === 'CREATE_COMPLETE' ? cs.changes : [],
    IncludeNestedStacks: false,
  };
}

/** Parameter declarations as ValidateTemplate / GetTemplateSummary report them. */
function declaredParameters(body: string, engine: CloudFormationEngine) {
  const template = loadTemplate(body);
  validateTemplateStatic(template, engine.spec);
  const all = () => true;
  checkOutputs(template, all, planResources(template, all, engine.spec), engine.spec);
  const parameters = Object.entries(template.Parameters ?? {}).map(([key, p]) => ({
    ParameterKey: key,
    DefaultValue:
      p.Default === undefined
        ? undefined
        : Array.isArray(p.Default)
          ? p.Default.join(',')
          : String(p.Default),
    NoEcho: p.NoEcho === true || p.NoEcho === 'true',
    Description: typeof p.Description === 'string' ? p.Description : undefined,
    ParameterType: String(p.Type),
    ParameterConstraints: Array.isArray(p.AllowedValues)
      ? { AllowedValues: p.AllowedValues.map(String) }
      : {},
  }));
  const capabilities = requiredCapabilities(template);
  return {
    template,
    parameters,
    capabilities,
    capabilitiesReason: capabilities.length
      ? `The following resource(s) require capabilities: [${[
          ...new Set(
            Object.values(template.Resources)
              .map((r) => r.Type)
              .filter((t) => t.startsWith('AWS::IAM::')),
          ),
        ].join(', ')}]`
      : undefined,
  };
}

/** The CloudFormation API (awsQuery) over an engine. */
export function cloudFormationOperations(engine: CloudFormationEngine): Record<string, OperationHandler> {
  return {
    CreateStack: (input) => ({ StackId: engine.createStack(input).stackId }),
    UpdateStack: (input) => ({ StackId: engine.updateStack(input).stackId }),
    DeleteStack: (input) => {
      engine.deleteStack(input);
      return {};
    },
    DescribeStacks: (input: { StackName?: string; NextToken?: string }) => {
      if (input.StackName) return { Stacks: [describeStack(engine.requireStack(input.StackName))] };
      const live = [...engine.stacks.values()].filter((s) => s.status !== 'DELETE_COMPLETE').reverse();
      const { items, next } = page(live, input.NextToken);
      return { Stacks: items.map(describeStack), NextToken: next };
    },
    ListStacks: (input: { StackStatusFilter?: string[]; NextToken?: string }) => {
      const filter = input.StackStatusFilter?.length ? new Set(input.StackStatusFilter) : undefined;
      const all = [...engine.stacks.values()].filter((s) => !filter || filter.has(s.status)).reverse();
      const { items, next } = page(all, input.NextToken);
      return {
        StackSummaries: items.map((s) => ({
          StackId: s.stackId,
          StackName: s.stackName,
          TemplateDescription:
            typeof s.prepared.template.Description === 'string' ? s.prepared.template.Description : undefined,
          CreationTime: s.creationTime,
          LastUpdatedTime: s.lastUpdatedTime,
          DeletionTime: s.deletionTime,
          StackStatus: s.status,
          StackStatusReason: s.statusReason,
          ParentId: s.parentId,
          RootId: s.rootId,
          DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
        })),
        NextToken: next,
      };
    },
    DescribeStackEvents: (input: { StackName?: string; NextToken?: string }) => {
      const stack = engine.requireStack(input.StackName);
      const { items, next } = page([...stack.events].reverse(), input.NextToken);
      return { StackEvents: items, NextToken: next };
    },
    DescribeStackResources: (input: {
      StackName?: string;
      LogicalResourceId?: string;
      PhysicalResourceId?: string;
    }) => {
      let stack: StackRecord | undefined;
      if (input.StackName) stack = engine.requireStack(input.StackName);
      else if (input.PhysicalResourceId) {
        stack = [...engine.stacks.values()].find((s) =>
          [...s.resources.values()].some((r) => r.physicalId === input.PhysicalResourceId),
        );
        if (!stack) throw new CfnValidationError(`Stack for ${input.PhysicalResourceId} does not exist`);
      } else throw new CfnValidationError('Either StackName or PhysicalResourceId must be specified.');
      const resources = [...stack.resources.values()].filter(
        (r) => !input.LogicalResourceId || r.logicalId === input.LogicalResourceId,
      );
      return { StackResources: resources.map((r) => resourceSummary(stack, r)) };
    },
    DescribeStackResource: (input: { StackName?: string; LogicalResourceId?: string }) => {
      const stack = engine.requireStack(input.StackName);
      const r = stack.resources.get(input.LogicalResourceId ?? '');
      if (!r) {
        throw new CfnValidationError(
          `Resource ${input.LogicalResourceId ?? ''} does not exist for stack ${input.StackName ?? ''}`,
        );
      }
      const { Timestamp, ...rest } = resourceSummary(stack, r);
      return {
        StackResourceDetail: {
          ...rest,
          LastUpdatedTimestamp: Timestamp,
          Metadata: r.definition.Metadata ? JSON.stringify(r.definition.Metadata) : undefined,
        },
      };
    },
    ListStackResources: (input: { StackName?: string; NextToken?: string }) => {
      const stack = engine.requireStack(input.StackName);
      const { items, next } = page([...stack.resources.values()], input.NextToken);
      return {
        StackResourceSummaries: items.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: r.timestamp,
          ResourceStatus: r.status,
          ResourceStatusReason: r.statusReason,
          DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
        })),
        NextToken: next,
      };
    },
    GetTemplate: (input: { StackName?: string; ChangeSetName?: string }) => {
      const body = input.ChangeSetName
        ? engine.findChangeSet(input.ChangeSetName, input.StackName).prepared.body
        : engine.requireStack(input.StackName).prepared.body;
      return { TemplateBody: body, StagesAvailable: ['Original', 'Processed'] };
    },
    ValidateTemplate: (input: { TemplateBody?: string; TemplateURL?: string }) => {
      const declared = declaredParameters(engine.templateBody(input), engine);
      return {
        Parameters: declared.parameters.map(({ ParameterKey, DefaultValue, NoEcho, Description }) => ({
          ParameterKey,
          DefaultValue,
          NoEcho,
          Description,
        })),
        Description:
          typeof declared.template.Description === 'string' ? declared.template.Description : undefined,
        Capabilities: declared.capabilities,
        CapabilitiesReason: declared.capabilitiesReason,
        DeclaredTransforms:
          declared.template.Transform === undefined ? [] : [declared.template.Transform].flat(),
      };
    },
    GetTemplateSummary: (input: { TemplateBody?: string; TemplateURL?: string; StackName?: string }) => {
      const body = input.StackName
        ? engine.requireStack(input.StackName).prepared.body
        : engine.templateBody(input);
      const declared = declaredParameters(body, engine);
      return {
        Parameters: declared.parameters.map(
          ({ ParameterKey, DefaultValue, NoEcho, Description, ParameterType, ParameterConstraints }) => ({
            ParameterKey,
            DefaultValue,
            NoEcho,
            Description,
            ParameterType,
            ParameterConstraints,
          }),
        ),
        Description:
          typeof declared.template.Description === 'string' ? declared.template.Description : undefined,
        Capabilities: declared.capabilities,
        CapabilitiesReason: declared.capabilitiesReason,
        ResourceTypes: [...new Set(Object.values(declared.template.Resources).map((r) => r.Type))],
        Version: declared.template.AWSTemplateFormatVersion ?? '2010-09-09',
        DeclaredTransforms:
          declared.template.Transform === undefined ? [] : [declared.template.Transform].flat(),
      };
    },
    UpdateTerminationProtection: (input: { StackName?: string; EnableTerminationProtection?: boolean }) => ({
      StackId: engine.updateTerminationProtection(input.StackName, input.EnableTerminationProtection === true)
        .stackId,
    }),
    CreateChangeSet: (input) => {
      const cs = engine.createChangeSet(input);
      return { Id: cs.id, StackId: cs.stackId };
    },
    DescribeChangeSet: (input: { ChangeSetName?: string; StackName?: string }) =>
      describeChangeSet(engine.findChangeSet(input.ChangeSetName, input.StackName)),
    ExecuteChangeSet: (input) => {
      engine.executeChangeSet(input);
      return {};
    },
    DeleteChangeSet: (input) => {
      engine.deleteChangeSet(input);
      return {};
    },
    ListChangeSets: (input: { StackName?: string }) => {
      const stack = engine.requireStack(input.StackName);
      return {
        Summaries: [...engine.changeSets.values()]
          .filter((cs) => cs.stackId === stack.stackId)
          .map((cs) => ({
            StackId: cs.stackId,
            StackName: cs.stackName,
            ChangeSetId: cs.id,
            ChangeSetName: cs.name,
            ExecutionStatus: cs.executionStatus,
            Status: cs.status,
            StatusReason: cs.statusReason,
            CreationTime: cs.creationTime,
            Description: cs.description,
            IncludeNestedStacks: false,
          })),
      };
    },
    // Change-set validation failures (early validation) and a stack's events, as OperationEvents.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeEvents.html
    DescribeEvents: (input: { StackName?: string; ChangeSetName?: string; NextToken?: string }) => {
      if (input.ChangeSetName) {
        const cs = engine.findChangeSet(input.ChangeSetName, input.StackName);
        const events = cs.prepared.validationFailures.flatMap((failure) =>
          failure.problems.map((problem, i) => ({
            EventId: `${cs.id}/${failure.logicalId}/${i}`,
            StackId: cs.stackId,
            EventType: 'VALIDATION_ERROR',
            LogicalResourceId: failure.logicalId,
            ResourceType: cs.prepared.plan.get(failure.logicalId)?.type,
            Timestamp: cs.creationTime,
            ValidationFailureMode: 'FAIL',
            ValidationName: 'AWS::EarlyValidation::PropertyValidation',
            ValidationStatus: 'FAILED',
            ValidationStatusReason: problem,
            ValidationPath: `/Resources/${failure.logicalId}/Properties${/^#(\S*):/.exec(problem)?.[1] ?? ''}`,
          })),
        );
        const { items, next } = page(events, input.NextToken);
        return { OperationEvents: items, NextToken: next };
      }
      const stack = engine.requireStack(input.StackName);
      const { items, next } = page([...stack.events].reverse(), input.NextToken);
      return {
        OperationEvents: items.map((e) => ({
          EventId: e.EventId,
          StackId: e.StackId,
          EventType: 'STACK_EVENT',
          LogicalResourceId: e.LogicalResourceId,
          PhysicalResourceId: e.PhysicalResourceId,
          ResourceType: e.ResourceType,
          Timestamp: e.Timestamp,
          ResourceStatus: e.ResourceStatus,
          ResourceStatusReason: e.ResourceStatusReason,
          ClientRequestToken: e.ClientRequestToken,
          DetailedStatus: e.DetailedStatus,
        })),
        NextToken: next,
      };
    },
    ContinueUpdateRollback: (input) => {
      engine.continueUpdateRollback(input);
      return {};
    },
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
    ListImports: (input: { ExportName?: string; NextToken?: string }) => {
      const name = input.ExportName ?? '';
      if (!engine.exports.has(name)) throw new CfnValidationError(`Export '${name}' does not exist.`);
      const importers = engine.importersOf(name).map((s) => s.stackName);
      if (importers.length === 0)
        throw new CfnValidationError(`Export '${name}' is not imported by any stack.`);
      const { items, next } = page(importers, input.NextToken);
      return { Imports: items, NextToken: next };
    },
    ListExports: () => ({
      Exports: [...engine.exports].map(([name, e]) => ({
        ExportingStackId: e.stackId,
        Name: name,
        Value: e.value,
      })),
    }),
  };
}

/** The CloudFormation service definition for `LocalCloud.registerService('cloudformation', ...)`. */
export function cloudFormationService(engine: CloudFormationEngine): ServiceDefinition {
  return {
    protocol: 'awsQuery',
    version: '2010-05-15',
    xmlNamespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
    operations: cloudFormationOperations(engine),
  };
}
