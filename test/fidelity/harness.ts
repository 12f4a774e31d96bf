import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { it } from 'vitest';
import type { CloudFormationEngine } from '#local/cloudformation/engine.ts';
import { type RunningLocalCloud, startLocalCloud } from '#local/kernel.ts';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';

/** One fidelity case: what AWS does, where AWS documents it, and the check. */
export interface FidelityCase {
  /** What AWS does, as a sentence ("refuses a TemplateBody over 51,200 bytes"). */
  aws: string;
  /** The AWS documentation page that says so. */
  source: string;
  run: () => Promise<void>;
}

/** Registers the cases as tests named by what AWS does, with the source in the name. */
export function fidelityCases(cases: FidelityCase[]): void {
  for (const c of cases) it(`${c.aws} — ${c.source}`, c.run);
}

export interface CliResult {
  rc: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is untyped
  json: any;
}

/** The AWS CLI v1 driven against one endpoint (through the test file's AWS CLI process). */
export class AwsCli {
  readonly #endpoint: string;
  readonly #home = mkdtempSync(join(tmpdir(), 'fidelity-cli-'));

  constructor(endpoint: string) {
    this.#endpoint = endpoint;
  }

  #env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.#home,
      PYENV_ROOT: process.env.PYENV_ROOT,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(this.#home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.#home, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
    };
  }

  /** Runs `aws <args> --endpoint-url <local> --output json`; commands run one at a time. */
  run(...args: string[]): Promise<CliResult> {
    const full = [...args, '--endpoint-url', this.#endpoint, '--output', 'json'];
    return runAwsCli([full], this.#env()).then(([result]) => {
      const raw = result!;
      let json: unknown;
      try {
        json = raw.stdout.trim() ? JSON.parse(raw.stdout) : {};
      } catch {
        json = undefined;
      }
      return { ...raw, json };
    });
  }

  stop(): void {
    rmSync(this.#home, { recursive: true, force: true });
  }
}

export interface FidelityCloud {
  running: RunningLocalCloud;
  engine: CloudFormationEngine;
  cfn: CloudFormationClient;
  cli: AwsCli;
  stop(): Promise<void>;
}

/** A local cloud on the instant clock, an SDK v3 CloudFormation client and the AWS CLI for it. */
export async function startFidelityCloud(): Promise<FidelityCloud> {
  const running = await startLocalCloud({ speed: 'instant' });
  const cfn = new CloudFormationClient({
    endpoint: running.endpoint,
    region: running.cloud.region,
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
    maxAttempts: 1,
  });
  const cli = new AwsCli(running.endpoint);
  return {
    running,
    engine: running.cloud.cloudformation,
    cfn,
    cli,
    stop: async () => {
      cli.stop();
      cfn.destroy();
      await running.stop();
    },
  };
}
