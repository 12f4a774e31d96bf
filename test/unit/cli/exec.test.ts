import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { shellQuote } from '#cli/commands/exec.ts';
import { harness, objectBody, START, stackdropStack, statusDoc } from './helpers.ts';

/**
 * `stackdrop exec` against AWS (not --local): with the AWS CLI and the Session Manager plugin on
 * PATH it runs `aws ecs execute-command …` itself and exits with its code; without the plugin it
 * prints that command. Fake `aws` and `session-manager-plugin` executables record what they get.
 */

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const ecs = mockClient(ECSClient);

const TASK =
  'arn:aws:ecs:eu-west-1:123456789012:task/stackdrop-acme-production/0123456789abcdef0123456789abcdef';
let bin: string;
let argvFile: string;

/** A shell script on PATH that records its arguments, one per line, and exits with `code`. */
function fakeExecutable(name: string, code: number): void {
  const path = join(bin, name);
  writeFileSync(
    path,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${argvFile}'\nexit ${code}\n`,
  );
  chmodSync(path, 0o755);
}

const run = (...args: string[]) => harness({}, { env: { AWS_REGION: 'eu-west-1' } }).run(...args);

beforeEach(() => {
  cfn.reset();
  s3.reset();
  ecs.reset();
  bin = mkdtempSync(join(tmpdir(), 'stackdrop-exec-bin-'));
  argvFile = join(bin, 'argv.txt');
  vi.stubEnv('PATH', `${bin}:/usr/bin:/bin`);
  cfn.on(DescribeStacksCommand).resolves(stackdropStack());
  s3.on(GetObjectCommand, { Key: 'status/acme-production.json' }).resolves(
    objectBody(
      JSON.stringify(
        statusDoc({
          outputs: { ClusterName: 'stackdrop-acme-production', WebServiceName: 'web' },
          deploys: [
            {
              id: 'd1',
              repository: 'acme-production',
              digest: `sha256:${'a'.repeat(64)}`,
              startedAt: START.toISOString(),
              outcome: 'succeeded',
            },
          ],
        }),
      ),
    ),
  );
  ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: 'web', status: 'ACTIVE', enableExecuteCommand: true }] });
  ecs.on(ListTasksCommand).resolves({ taskArns: [TASK] });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('stackdrop exec against AWS', () => {
  it('runs the AWS CLI when it and the Session Manager plugin are on PATH, and exits with its code', async () => {
    fakeExecutable('aws', 7);
    fakeExecutable('session-manager-plugin', 0);

    const result = await run('exec', 'acme', '--', 'php', 'artisan', 'tinker');

    expect(result.code).toBe(7);
    expect(result.stdout).toBe('');
    expect(readFileSync(argvFile, 'utf8').trim().split('\n')).toEqual([
      '--region',
      'eu-west-1',
      'ecs',
      'execute-command',
      '--cluster',
      'stackdrop-acme-production',
      '--task',
      '0123456789abcdef0123456789abcdef',
      '--container',
      'app',
      '--interactive',
      '--command',
      'php artisan tinker',
    ]);
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'stackdrop-acme-production',
      serviceName: 'web',
      desiredStatus: 'RUNNING',
    });
  });

  it('prints the exact command and how to get the plugin when the plugin is missing', async () => {
    fakeExecutable('aws', 0);

    const result = await run('exec', 'acme');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'aws --region eu-west-1 ecs execute-command --cluster stackdrop-acme-production --task 0123456789abcdef0123456789abcdef --container app --interactive --command /bin/sh\n',
    );
    expect(result.stderr).toMatch(/Install the AWS CLI and the Session Manager plugin \(https:\/\/docs\.aws/);
    expect(existsSync(argvFile)).toBe(false);
  });

  it('--print only prints, even when both are installed; the printed line pastes into a shell as is', async () => {
    fakeExecutable('aws', 0);
    fakeExecutable('session-manager-plugin', 0);
    const command = ['php', 'artisan', 'tinker', '--execute', "echo 'hi';"];

    const result = await run('exec', 'acme', '--print', '--', ...command);

    expect(result.code).toBe(0);
    expect(existsSync(argvFile)).toBe(false);
    // Pasted into sh, the line reaches the AWS CLI with the command as one string.
    execFileSync('sh', ['-c', result.stdout], { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(readFileSync(argvFile, 'utf8').trim().split('\n').slice(-2)).toEqual([
      '--command',
      command.map(shellQuote).join(' '),
    ]);
  });
});
