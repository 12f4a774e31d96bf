/**
 * The task sizes AWS Fargate runs: the CPU units of a task and the memory (MiB) each allows.
 * Read by the manifest validator (shared/manifest/limits.ts) and by the local cloud's ECS
 * RegisterTaskDefinition, so the two can never disagree.
 *
 * Source: "Troubleshoot Amazon ECS task definition invalid CPU or memory errors" and "Amazon ECS
 * task definition parameters for Fargate" (task size), read 2026-12-07:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_SOURCE =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html';
export const FARGATE_READ_ON = '2026-12-07';

/** One CPU size: the memory values (MiB) it allows, as a list or as min..max in steps. */
export interface FargateSize {
  min: number;
  max: number;
  step: number;
  /** When set, exactly these values (256 CPU: 512 MiB, 1 GB, 2 GB). */
  values?: readonly number[];
}

/** Fargate CPU units → memory (MiB). 8192 and 16384 need Linux platform version 1.4.0 or later. */
export const FARGATE_SIZES: Readonly<Record<number, FargateSize>> = {
  256: { min: 512, max: 2048, step: 512, values: [512, 1024, 2048] },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** Whether a Fargate task may have this CPU/memory pair. */
export function isValidFargateSize(cpu: number, memory: number): boolean {
  const size = FARGATE_SIZES[cpu];
  if (!size) return false;
  if (size.values) return size.values.includes(memory);
  return memory >= size.min && memory <= size.max && (memory - size.min) % size.step === 0;
}

/** The memory sizes (MiB) Fargate allows for a CPU size, written for a person. */
export function describeFargateMemory(cpu: number): string {
  const size = FARGATE_SIZES[cpu];
  if (!size) return 'none (not a Fargate CPU size)';
  const values: number[] = [...(size.values ?? [])];
  if (!size.values) for (let m = size.min; m <= size.max; m += size.step) values.push(m);
  if (values.length <= 5) return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return `${size.min} to ${size.max} in steps of ${size.step}`;
}

/** Smallest memory Fargate allows for a CPU size. */
export function smallestFargateMemory(cpu: number): number {
  return FARGATE_SIZES[cpu]?.min ?? cpu * 2;
}

/**
 * A task definition's `cpu` as ECS stores it: CPU units ("1024") or vCPUs ("1 vCPU", "0.25 vcpu"),
 * converted to units at registration (same source). Undefined when it is neither.
 */
export function parseTaskCpu(value: unknown): number | undefined {
  const text = String(value ?? '').trim();
  if (/^\d+$/.test(text)) return Number(text);
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text);
  return vcpu ? Math.round(Number(vcpu[1]) * 1024) : undefined;
}

/** A task definition's `memory` as ECS stores it: MiB ("2048") or GB ("2 GB", "2GB"), in MiB. */
export function parseTaskMemory(value: unknown): number | undefined {
  const text = String(value ?? '').trim();
  if (/^\d+$/.test(text)) return Number(text);
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  return gb ? Math.round(Number(gb[1]) * 1024) : undefined;
}

/**
 * The platforms Fargate runs (read 2026-12-07): `cpuArchitecture` X86_64 or ARM64, where ARM64
 * is "available for tasks that run on Linux Amazon EC2 instance ... or Linux containers on
 * Fargate", so Windows tasks run on X86_64 only.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RuntimePlatform.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-arm64.html
 * Both fields are optional; a task without them runs as LINUX on X86_64.
 */
export const RUNTIME_PLATFORM_SOURCE =
  'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RuntimePlatform.html';
export const CPU_ARCHITECTURES = ['X86_64', 'ARM64'] as const;
export const OPERATING_SYSTEM_FAMILIES = [
  'LINUX',
  'WINDOWS_SERVER_2019_FULL',
  'WINDOWS_SERVER_2019_CORE',
  'WINDOWS_SERVER_2016_FULL',
  'WINDOWS_SERVER_2004_CORE',
  'WINDOWS_SERVER_2022_CORE',
  'WINDOWS_SERVER_2022_FULL',
  'WINDOWS_SERVER_2025_CORE',
  'WINDOWS_SERVER_2025_FULL',
  'WINDOWS_SERVER_20H2_CORE',
] as const;

/** Why Fargate refuses a runtime platform, or undefined when it runs it. */
export function fargateRuntimePlatformProblem(
  operatingSystemFamily: string | undefined,
  cpuArchitecture: string | undefined,
): string | undefined {
  const os = operatingSystemFamily ?? 'LINUX';
  const arch = cpuArchitecture ?? 'X86_64';
  if (!(OPERATING_SYSTEM_FAMILIES as readonly string[]).includes(os))
    return `Invalid operatingSystemFamily '${os}'. Valid values: ${OPERATING_SYSTEM_FAMILIES.join(', ')}.`;
  if (!(CPU_ARCHITECTURES as readonly string[]).includes(arch))
    return `Invalid cpuArchitecture '${arch}'. Valid values: ${CPU_ARCHITECTURES.join(', ')}.`;
  if (arch === 'ARM64' && os !== 'LINUX')
    return `Fargate runs ARM64 tasks on Linux only; ${os} needs cpuArchitecture X86_64.`;
  return undefined;
}
