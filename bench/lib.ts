// Helpers every benchmark shares: statistics over samples, the provenance lines at the top of a
// results file (date, machine, commit, command) and writing bench/results/<name>.md.
// bench/summary.ts parses those files, so the lines keep one shape here.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(import.meta.dirname, 'results');

/** Median of the samples (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `min – max` of the samples, each written with `format`. */
export function range(xs: readonly number[], format: (x: number) => string = String): string {
  return `${format(Math.min(...xs))} – ${format(Math.max(...xs))}`;
}

/** `median (min – max)` of the samples, each written with `format`. */
export function spread(xs: readonly number[], format: (x: number) => string = String): string {
  return `${format(median(xs))} (${range(xs, format)})`;
}

/** One line describing this machine: CPU model, cores, memory, Node version and platform. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() || 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`;
}

/** Short hash of HEAD, or `unknown` outside a git checkout. */
export function currentCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The Date, Machine, Commit and Command lines of a results file, for `bench/<name>.bench.ts`;
 * `note` follows the command on its line.
 */
export function provenance(name: string, note?: string): string[] {
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${describeMachine()}`,
    `- Commit: ${currentCommit()} (plus working-tree changes)`,
    `- Command: \`npm exec -- node bench/${name}.bench.ts\`${note ? ` ${note}` : ''}`,
  ];
}

/** Writes bench/results/<name>.md. */
export function writeResults(name: string, report: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.md`), report);
}
