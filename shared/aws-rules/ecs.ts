/**
 * Amazon ECS quotas on a task definition, in one place: the local cloud's RegisterTaskDefinition
 * (local/services/ecs-task-definitions.ts) and `stackdrop validate` (shared/synth/app/limits.ts)
 * read these. Read 2026-12-07 from "Amazon ECS service quotas":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 * ("Containers per task definition": 10; "Task definition size": 64 KiB; neither adjustable).
 */
export const ECS_QUOTAS_SOURCE =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html';

export const ECS_LIMITS = {
  containersPerTaskDefinition: 10,
  /** The RegisterTaskDefinition request as JSON, in bytes (64 KiB). */
  taskDefinitionBytes: 65_536,
} as const;
