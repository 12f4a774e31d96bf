/**
 * Shared harness of the service fidelity cases (SQS, SSM, S3, ECS, Secrets Manager, Step
 * Functions): the AWS CLI v1 against the local cloud, raw awsQuery requests, and case names
 * that carry what AWS does and the page that says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';

/** A case name: what AWS does, then the documentation page it follows. */
export function aws(behaviour: string, source: string): string {
  return `${behaviour} [${source}]`;
}

export interface CliResult {
  rc: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is untyped
  json: any;
}

/**
 * Runs AWS CLI commands in order (the test file's AWS CLI process) against `endpoint`; returns each result by
 * its key. Commands that must precede others (a queue the next one uses) come first in the record.
 */
export async function runCli(
  endpoint: string,
  commands: Record<string, string[]>,
): Promise<Record<string, CliResult>> {
  const home = await mkdtemp(join(tmpdir(), 'fidelity-cli-'));
  try {
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      PYENV_ROOT: process.env.PYENV_ROOT,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
    };
    const keys = Object.keys(commands);
    const full = keys.map((k) => ['--endpoint-url', endpoint, '--output', 'json', ...commands[k]!]);
    const raw = await runAwsCli(full, env);
    return Object.fromEntries(
      keys.map((k, i) => {
        const r = raw[i]!;
        let json: unknown;
        try {
          json = r.stdout.trim() ? JSON.parse(r.stdout) : {};
        } catch {
          json = undefined;
        }
        return [k, { ...r, json }];
      }),
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The error code and message the CLI printed (`An error occurred (Code) when calling …: message`). */
export function cliError(result: CliResult | undefined): { code: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \([^)]*\))?: ?(.*)/s.exec(
    result?.stderr ?? '',
  );
  return m ? { code: m[1]!, message: m[2]!.trim() } : undefined;
}

/** An awsQuery request (form POST) as older SDKs send it; returns the status and the XML body. */
export async function queryRequest(
  endpoint: string,
  service: string,
  params: Record<string, string>,
): Promise<{ status: number; body: string; code?: string }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261126/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  return { status: res.status, body, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] };
}
