import type { CloudFormationEngine, StackRecord } from '../engine.ts';
import { randomSuffix } from './generic.ts';
import type { ExistingResource, ProviderRequest, ResourceProvider } from './types.ts';

function parametersOf(properties: Record<string, unknown>) {
  return Object.entries((properties.Parameters ?? {}) as Record<string, unknown>).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: Array.isArray(value) ? value.join(',') : String(value),
  }));
}

/** The reason the child's last failed operation gave (what CloudFormation quotes in the parent). */
function failureReason(child: StackRecord): string {
  const failed = [...child.events]
    .reverse()
    .find(
      (e) => e.LogicalResourceId === child.stackName && /ROLLBACK_IN_PROGRESS|FAILED$/.test(e.ResourceStatus),
    );
  return failed?.ResourceStatusReason ?? child.status;
}

function outputsOf(child: StackRecord, attributes: Record<string, unknown>): void {
  for (const key of Object.keys(attributes)) if (key.startsWith('Outputs.')) delete attributes[key];
  for (const output of child.outputs) attributes[`Outputs.${output.OutputKey}`] = output.OutputValue;
  Object.assign(attributes, {
    StackId: child.stackId,
    StackStatus: child.status,
    CreationTime: child.creationTime.toISOString(),
    LastUpdateTime: (child.lastUpdatedTime ?? child.creationTime).toISOString(),
    ParentId: child.parentId,
    RootId: child.rootId,
    ChangeSetId: child.changeSetId ?? '',
  });
}

/** `AWS::CloudFormation::Stack`: a child stack from a TemplateURL in the local S3; Outputs.X attributes. */
export function nestedStackProvider(engine: CloudFormationEngine): ResourceProvider {
  const stackRequest = (request: ProviderRequest, parent: StackRecord | undefined) => ({
    TemplateURL: String(request.properties.TemplateURL ?? ''),
    Parameters: parametersOf(request.properties),
    Capabilities: parent?.capabilities ?? [
      'CAPABILITY_IAM',
      'CAPABILITY_NAMED_IAM',
      'CAPABILITY_AUTO_EXPAND',
    ],
    Tags: (request.properties.Tags as { Key: string; Value: string }[] | undefined) ?? parent?.tags ?? [],
    NotificationARNs: request.properties.NotificationARNs as string[] | undefined,
    TimeoutInMinutes: request.properties.TimeoutInMinutes as number | undefined,
  });
  return {
    create(request) {
      const parent = engine.stacks.get(request.stackId);
      const name = `${request.stackName}-${request.logicalId}-${randomSuffix(12)}`
        .slice(-128)
        .replace(/^[^a-zA-Z]+/, 'S');
      const child = engine.createStack({ StackName: name, ...stackRequest(request, parent) }, { parent });
      const attributes: Record<string, unknown> = {};
      outputsOf(child, attributes);
      const stabilize = engine.settled(child.stackId).then(() => {
        outputsOf(child, attributes);
        if (child.status !== 'CREATE_COMPLETE') {
          throw new Error(
            `Embedded stack ${child.stackId} was not successfully created: ${failureReason(child)}`,
          );
        }
      });
      return { physicalId: child.stackId, attributes, stabilize };
    },
    async update(request: ExistingResource) {
      const parent = engine.stacks.get(request.stackId);
      const child = engine.requireStack(request.physicalId);
      const attributes = request.attributes;
      try {
        engine.updateStack({ StackName: child.stackId, ...stackRequest(request, parent) });
      } catch (error) {
        if ((error as Error).message === 'No updates are to be performed.') {
          outputsOf(child, attributes);
          return { physicalId: child.stackId, attributes };
        }
        throw error;
      }
      await engine.settled(child.stackId);
      outputsOf(child, attributes);
      if (child.status !== 'UPDATE_COMPLETE') {
        throw new Error(
          `Embedded stack ${child.stackId} was not successfully updated. Currently in ${child.status} with reason: ${failureReason(child)}`,
        );
      }
      return { physicalId: child.stackId, attributes };
    },
    async delete(request) {
      const child = engine.findStack(request.physicalId);
      if (!child || child.status === 'DELETE_COMPLETE') return;
      await engine.settled(child.stackId);
      engine.deleteStack({ StackName: child.stackId });
      await engine.settled(child.stackId);
      if (child.status !== 'DELETE_COMPLETE') {
        throw new Error(
          `Embedded stack ${child.stackId} was not successfully deleted: ${failureReason(child)}`,
        );
      }
    },
  };
}
