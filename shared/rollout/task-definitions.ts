import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';

/**
 * Turns a described task definition into RegisterTaskDefinition input with the app's image pinned
 * by digest. The read-only fields DescribeTaskDefinition returns are dropped (RegisterTaskDefinition
 * rejects them); everything else is kept, so a field AWS adds later survives the copy.
 */
export function pinnedRegistration(
  taskDefinition: TaskDefinition,
  repositoryUri: string,
  imageUri: string,
  tags: { key?: string; value?: string }[] = [],
): RegisterTaskDefinitionCommandInput {
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _requiresAttributes,
    compatibilities: _compatibilities,
    registeredAt: _registeredAt,
    registeredBy: _registeredBy,
    deregisteredAt: _deregisteredAt,
    ...input
  } = taskDefinition;
  const containers = input.containerDefinitions ?? [];
  const usesRepository = (image: string | undefined) =>
    image === repositoryUri ||
    image?.startsWith(`${repositoryUri}:`) ||
    image?.startsWith(`${repositoryUri}@`);
  // A stack created without an image runs a placeholder in the essential app container; sidecars
  // (log routers, agents) keep their own images.
  const anyUsesRepository = containers.some((c) => usesRepository(c.image));
  const firstEssential = containers.findIndex((c) => c.essential !== false);
  const containerDefinitions = containers.map((c, index) =>
    usesRepository(c.image) || (!anyUsesRepository && index === firstEssential)
      ? { ...c, image: imageUri }
      : c,
  );
  return {
    ...(input as RegisterTaskDefinitionCommandInput),
    family: input.family!,
    containerDefinitions,
    ...(tags.length > 0 ? { tags } : {}),
  };
}

/** Registers a new revision of a task definition with the image pinned. */
export async function registerPinnedRevision(
  taskDefinition: string,
  repositoryUri: string,
  imageUri: string,
  deps: { ecs: ECSClient },
): Promise<{ arn: string; appContainer: string | undefined }> {
  const described = await deps.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }),
  );
  if (!described.taskDefinition) throw new Error(`Task definition ${taskDefinition} not found`);
  const input = pinnedRegistration(described.taskDefinition, repositoryUri, imageUri, described.tags);
  const registered = await deps.ecs.send(new RegisterTaskDefinitionCommand(input));
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new Error(`RegisterTaskDefinition returned no ARN for ${taskDefinition}`);
  const appContainer = (input.containerDefinitions ?? []).find((c) => c.image === imageUri)?.name;
  return { arn, appContainer };
}

/** `arn:…:task-definition/family:7` → `family` (DescribeTaskDefinition on a family gives its latest revision). */
export function familyOf(taskDefinitionArn: string): string {
  const name = taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
  return name.replace(/:\d+$/, '');
}
