/**
 * The checks ECS makes at RegisterTaskDefinition, with AWS's ClientException messages.
 *
 * Sources (read 2026-12-07):
 * - Fargate task sizes: shared/aws-rules/fargate.ts;
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
 * - task definition parameters (family and container names up to 255 letters, digits, hyphens,
 *   underscores; awsvpc port mappings; Fargate requires awsvpc and task-level cpu and memory;
 *   container memory/memoryReservation without task memory):
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
 * - quotas (10 containers per task definition, 64 KiB per task definition):
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 */
import { ECS_LIMITS } from '#shared/aws-rules/ecs.ts';
import {
  fargateRuntimePlatformProblem,
  isValidFargateSize,
  parseTaskCpu,
  parseTaskMemory,
} from '#shared/aws-rules/fargate.ts';
import { AwsError } from '../errors.ts';

const client = (message: string) => new AwsError('ClientException', message);
const MAX_CONTAINERS = ECS_LIMITS.containersPerTaskDefinition;
const MAX_TASK_DEFINITION_BYTES = ECS_LIMITS.taskDefinitionBytes;

type Container = Record<string, unknown> & { name?: string; image?: string };

/** Validates a task definition; returns cpu and memory as ECS stores them (units and MiB, as strings). */
export function checkTaskDefinition(input: Record<string, unknown>): { cpu?: string; memory?: string } {
  const family = input.family;
  if (typeof family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw client('Family contains invalid characters.');
  }
  const containers = input.containerDefinitions as Container[] | undefined;
  if (!Array.isArray(containers) || containers.length === 0) throw client('Container list cannot be empty.');
  if (containers.length > MAX_CONTAINERS) {
    throw client(`Too many containers. A task definition can have at most ${MAX_CONTAINERS} containers.`);
  }
  if (Buffer.byteLength(JSON.stringify(input)) > MAX_TASK_DEFINITION_BYTES) {
    throw client('Task definition is too large. The maximum size is 64 KiB.');
  }
  const names = new Set<string>();
  for (const c of containers) {
    if (!c.name || !c.image) throw client('Container.name and Container.image should not be null or empty.');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(c.name)) {
      throw client(
        `Container name '${c.name}' is invalid. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.`,
      );
    }
    if (names.has(c.name)) throw client(`Duplicate container name: ${c.name}.`);
    names.add(c.name);
  }
  const cpu = input.cpu === undefined ? undefined : parseTaskCpu(input.cpu);
  const memory = input.memory === undefined ? undefined : parseTaskMemory(input.memory);
  if (input.cpu !== undefined && cpu === undefined) throw client("Invalid 'cpu' setting for task.");
  if (input.memory !== undefined && memory === undefined) throw client("Invalid 'memory' setting for task.");
  const networkMode = (input.networkMode as string | undefined) ?? 'bridge';
  const requires = (input.requiresCompatibilities as string[] | undefined) ?? [];
  if (requires.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw client('Fargate only supports network mode ‘awsvpc’.');
    if (cpu === undefined) throw client("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw client("Fargate requires that 'memory' be defined at the task level.");
    if (!isValidFargateSize(cpu, memory)) {
      // Any CPU value outside the table is refused as an invalid cpu setting, the rest by combination.
      if (![256, 512, 1024, 2048, 4096, 8192, 16384].includes(cpu))
        throw client("Invalid 'cpu' setting for task.");
      throw client(
        `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }
    for (const c of containers) {
      if (c.privileged) throw client('Privileged containers are not supported on Fargate.');
    }
    const platform = input.runtimePlatform as
      | { operatingSystemFamily?: string; cpuArchitecture?: string }
      | undefined;
    const platformProblem = fargateRuntimePlatformProblem(
      platform?.operatingSystemFamily,
      platform?.cpuArchitecture,
    );
    if (platformProblem) throw client(platformProblem);
  }
  for (const c of containers) {
    if (networkMode === 'awsvpc') {
      if (Array.isArray(c.links) && c.links.length > 0) {
        throw client('Links are not supported when networkMode=awsvpc.');
      }
      for (const pm of (c.portMappings as Array<{ containerPort?: number; hostPort?: number }> | undefined) ??
        []) {
        if (pm.hostPort !== undefined && pm.containerPort !== undefined && pm.hostPort !== pm.containerPort) {
          throw client(
            'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
          );
        }
      }
    }
    if (memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw client(
        `Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
  }
  return {
    cpu: cpu === undefined ? undefined : String(cpu),
    memory: memory === undefined ? undefined : String(memory),
  };
}
