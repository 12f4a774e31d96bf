import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import type { LocalCloudOptions } from '#local/kernel.ts';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';
import { startTestCloud } from '#test/integration/local/helpers.ts';

/** Generous bound for hooks that start a cloud and run the AWS CLI on a loaded machine. */
export const HOOK_TIMEOUT = 60_000;

/**
 * One fidelity case: what AWS does, the documentation page that says so, and a check that the
 * local cloud does the same. The page is part of the test name so a failure points at it.
 */
export function fidelity(does: string, source: string, fn: () => Promise<void> | void): void {
  it(`${does} — ${source}`, fn, 60_000);
}

/** What one CLI command gave: parsed JSON output, or the error text and exit code. */
export interface CliOutcome {
  rc: number;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is untyped
  json: Record<string, any>;
  stderr: string;
}

export type FidelityCloud = Awaited<ReturnType<typeof startFidelityCloud>>;

/** A local cloud on a free port plus an `aws` runner pointed at it (fake credentials, 127.0.0.1 only). */
export async function startFidelityCloud(options: LocalCloudOptions = {}) {
  const env = await startTestCloud(options);
  const dir = await mkdtemp(join(tmpdir(), 'fidelity-cli-'));
  const cliEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    PYENV_ROOT: process.env.PYENV_ROOT,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_DEFAULT_REGION: env.cloud.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_MAX_ATTEMPTS: '1',
  };

  /** Runs AWS CLI commands in order; one outcome per command. */
  async function aws(...commands: string[][]): Promise<CliOutcome[]> {
    const full = commands.map((c) => ['--endpoint-url', env.endpoint, '--output', 'json', ...c]);
    const raw = await runAwsCli(full, cliEnv);
    return raw.map((r) => {
      let json = {};
      try {
        json = r.stdout.trim() ? JSON.parse(r.stdout) : {};
      } catch {
        json = { text: r.stdout };
      }
      return { rc: r.rc, json, stderr: r.stderr.trim() };
    });
  }

  return {
    ...env,
    aws,
    stop: async () => {
      await env.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `(Code)` and message of a CLI failure: "An error occurred (Code) when calling the Op operation: message". */
export function cliError(outcome: CliOutcome): { code: string; message: string } {
  const m =
    /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)$/s.exec(
      outcome.stderr,
    );
  if (!m)
    throw new Error(
      `expected a service error, got rc=${outcome.rc} stderr=${outcome.stderr} json=${JSON.stringify(outcome.json)}`,
    );
  return { code: m[1]!, message: m[2]!.trim() };
}
