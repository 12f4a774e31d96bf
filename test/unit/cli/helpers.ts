import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { type CliDeps, clientsFor } from '#cli/context.ts';
import { runCli } from '#cli/program.ts';
import { createUi } from '#cli/ui.ts';
import { type StatusDocument, StatusDocumentSchema } from '#shared/status.ts';

export const START = new Date('2026-11-26T06:00:00.000Z');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  deps: CliDeps;
  /** The simulated clock; `sleep` advances it. */
  clock: { now: Date };
  run(...argv: string[]): Promise<Run>;
}

/** A CLI wired to captured streams, a simulated clock and the real client factory (mocked per test file). */
export function harness(
  overrides: Partial<CliDeps> = {},
  options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): Harness {
  const clock = { now: new Date(START) };
  let stdout = '';
  let stderr = '';
  const out = {
    write: (s: string) => {
      stdout += s;
      return true;
    },
    isTTY: options.tty ?? false,
  };
  const err = {
    write: (s: string) => {
      stderr += s;
      return true;
    },
    isTTY: options.tty ?? false,
  };
  const env = options.env ?? {};
  const deps: CliDeps = {
    ui: createUi(out, err, env),
    env,
    stdout: out,
    clientsFor,
    now: () => new Date(clock.now),
    sleep: async (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    detectPublicIp: async () => {
      throw new Error('the test did not expect an IP lookup');
    },
    cwd: mkdtempSync(join(tmpdir(), 'stackdrop-cli-')),
    pollIntervalMs: 5000,
    ...overrides,
  };
  return {
    deps,
    clock,
    async run(...argv) {
      stdout = '';
      stderr = '';
      const code = await runCli(argv, deps);
      return { code, stdout, stderr };
    },
  };
}

/** A GetObject answer whose body is `text`. */
export function objectBody(text: string, etag = '"etag-1"'): GetObjectCommandOutput {
  return {
    Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'],
    ETag: etag,
    $metadata: {},
  };
}

/** A valid status document with the given fields replaced. */
export function statusDoc(fields: Partial<StatusDocument> = {}): StatusDocument {
  return StatusDocumentSchema.parse({
    project: 'acme',
    environment: 'production',
    phase: 'ready',
    updatedAt: '2026-11-26T05:00:00.000Z',
    ...fields,
  });
}

/** The stackdrop stack's DescribeStacks answer. */
export function stackdropStack(outputs: Record<string, string> = {}) {
  return {
    Stacks: [
      {
        StackName: 'stackdrop',
        StackStatus: 'UPDATE_COMPLETE' as const,
        CreationTime: START,
        Outputs: Object.entries({
          BucketName: 'stackdrop-bucket',
          ProvisionStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision',
          TeardownStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:teardown',
          DeployQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-deploys.fifo',
          OpenBastionFunctionName: 'stackdrop-open-bastion',
          CloseBastionFunctionName: 'stackdrop-close-bastion',
          ListBastionsFunctionName: 'stackdrop-list-bastions',
          ...outputs,
        }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

/** The error CloudFormation returns for a stack that does not exist. */
export function stackMissing(name: string): Error {
  return Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
}

export const VALID_MANIFEST = `version: 1
project: acme
environment: production
network:
  cidr: 10.40.0.0/16
  availabilityZones: 2
database:
  engine: aurora-mysql
  readers: 1
app:
  deployTag: main
  allowPlainHttp: true
`;
