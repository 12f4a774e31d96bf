import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { it } from 'vitest';
import type { CloudFormationEngine } from '#local/cloudformation/engine.ts';
import { type RunningLocalCloud, startLocalCloud } from '#local/kernel.ts';

const exec = promisify(execFile);

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

// The CLI's own driver, kept running: one Python start-up for the whole file, a fresh driver per
// command (as the `aws` script makes), the loaded service models shared.
const SERVER = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
out_stream = sys.stdout
loader = None
for line in sys.stdin:
    args = json.loads(line)
    driver = create_clidriver()
    if loader is None:
        loader = driver.session.get_component("data_loader")
    else:
        driver.session.register_component("data_loader", loader)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = driver.main(args)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 255
    out_stream.write(json.dumps({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\\n")
    out_stream.flush()
`;

/** The AWS CLI v1 driven against one endpoint; falls back to one `aws` process per command. */
export class AwsCli {
  readonly #endpoint: string;
  readonly #home = mkdtempSync(join(tmpdir(), 'fidelity-cli-'));
  #server?: ChildProcessWithoutNullStreams;
  #waiting: ((result: Omit<CliResult, 'json'>) => void)[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #batchable?: boolean;

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

  async #start(): Promise<boolean> {
    this.#batchable ??= await exec('python3', ['-c', 'import awscli.clidriver'], { env: this.#env() }).then(
      () => true,
      () => false,
    );
    if (!this.#batchable || this.#server) return this.#batchable;
    const server = spawn('python3', ['-c', SERVER], { env: this.#env() });
    createInterface({ input: server.stdout }).on('line', (line) => {
      this.#waiting.shift()?.(JSON.parse(line) as Omit<CliResult, 'json'>);
    });
    server.stderr.resume();
    this.#server = server;
    return true;
  }

  /** Runs `aws <args> --endpoint-url <local> --output json`; commands run one at a time. */
  run(...args: string[]): Promise<CliResult> {
    const full = [...args, '--endpoint-url', this.#endpoint, '--output', 'json'];
    const next = this.#queue.then(async () => {
      let raw: Omit<CliResult, 'json'>;
      if (await this.#start()) {
        raw = await new Promise((resolve) => {
          this.#waiting.push(resolve);
          this.#server!.stdin.write(`${JSON.stringify(full)}\n`);
        });
      } else {
        raw = await exec('aws', full, { env: this.#env(), timeout: 60_000 }).then(
          ({ stdout, stderr }) => ({ rc: 0, stdout, stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            rc: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      }
      let json: unknown;
      try {
        json = raw.stdout.trim() ? JSON.parse(raw.stdout) : {};
      } catch {
        json = undefined;
      }
      return { ...raw, json };
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  stop(): void {
    this.#server?.stdin.end();
    this.#server?.kill();
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
