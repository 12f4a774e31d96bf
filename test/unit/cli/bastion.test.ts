import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { callerCidrFromIp, parseTtl, tunnelCommand } from '#cli/commands/bastion.ts';
import { harness, objectBody, stackdropStack, statusDoc } from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;
const sentPayload = (index = 0) =>
  JSON.parse(
    new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[index]!.args[0].input.Payload as Uint8Array),
  );

const opened = {
  instanceId: 'i-0123456789abcdef0',
  access: 'ssm',
  expiresAt: '2026-11-26T07:00:00.000Z',
  tunnelCommand:
    'aws ssm start-session --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=acme.cluster-x.eu-west-1.rds.amazonaws.com,portNumber=3306,localPortNumber=3306',
};

beforeEach(() => {
  cfn.reset();
  lambda.reset();
  s3.reset();
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
});

describe('stackdrop bastion open', () => {
  it('detects the public IP when --cidr is not given, says so, and prints the tunnel command', async () => {
    // Prepare
    lambda
      .on(InvokeCommand, { FunctionName: 'stackdrop-open-bastion' })
      .resolves({ StatusCode: 200, Payload: payload(opened) });
    const h = harness({ detectPublicIp: async () => '203.0.113.7\n' });
    // Act
    const result = await h.run('bastion', 'open', 'acme', '--ttl', '90m');
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'Detected your public IP with checkip.amazonaws.com: allowing 203.0.113.7/32 (pass --cidr to choose).\n',
    );
    expect(sentPayload()).toEqual({
      project: 'acme',
      environment: 'production',
      ttlMinutes: 90,
      callerCidr: '203.0.113.7/32',
      openedBy: expect.any(String),
    });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { InvocationType: 'RequestResponse' });
    expect(result.stdout).toBe(
      `✓ bastion i-0123456789abcdef0 (ssm) open until 2026-11-26T07:00:00.000Z\ntunnel to the database:\n  ${opened.tunnelCommand}\n`,
    );
  });

  it('prints the notes the function returns', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ ...opened, notes: ['EC2 had not assigned the public IP yet.'] }),
    });
    const result = await harness().run('bastion', 'open', 'acme', '--cidr', '203.0.113.7/32');
    expect(result.stdout.endsWith('EC2 had not assigned the public IP yet.\n')).toBe(true);
  });

  it('uses --cidr as given without any lookup', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(opened) });
    const result = await harness().run(
      'bastion',
      'open',
      'acme',
      '--cidr',
      '198.51.100.0/28',
      '--environment',
      'staging',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(sentPayload()).toMatchObject({
      environment: 'staging',
      callerCidr: '198.51.100.0/28',
      ttlMinutes: 60,
    });
    expect(JSON.parse(result.stdout)).toEqual({ ...opened, callerCidr: '198.51.100.0/28' });
  });

  it('sends the SSH public key for ssh access', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        ...opened,
        access: 'ssh',
        publicIp: '54.1.2.3',
        tunnelCommand: 'ssh -N -L 3306:db:3306 ec2-user@54.1.2.3',
      }),
    });
    const h = harness();
    const keyFile = join(h.deps.cwd, 'id.pub');
    writeFileSync(keyFile, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKey me@laptop\n');
    const result = await h.run(
      'bastion',
      'open',
      'acme',
      '--access',
      'ssh',
      '--ssh-public-key',
      keyFile,
      '--cidr',
      '203.0.113.7/32',
    );
    expect(result.code).toBe(0);
    expect(sentPayload()).toMatchObject({
      access: 'ssh',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKey me@laptop',
    });
    expect(result.stdout).toContain('ssh -N -L 3306:db:3306 ec2-user@54.1.2.3');
  });

  it('builds the tunnel command from the status outputs when the function sends none', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        instanceId: 'i-0123456789abcdef0',
        access: 'ssm',
        expiresAt: '2026-11-26T07:00:00.000Z',
      }),
    });
    s3.on(GetObjectCommand).resolves(
      objectBody(
        JSON.stringify(
          statusDoc({
            outputs: { WriterEndpoint: 'acme.cluster-x.eu-west-1.rds.amazonaws.com', Port: '5432' },
          }),
        ),
      ),
    );
    const result = await harness().run(
      '--region',
      'eu-west-1',
      'bastion',
      'open',
      'acme',
      '--cidr',
      '203.0.113.7/32',
    );
    expect(result.stdout).toContain(
      `aws ssm start-session --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["acme.cluster-x.eu-west-1.rds.amazonaws.com"],"portNumber":["5432"],"localPortNumber":["5432"]}' --region eu-west-1`,
    );
  });

  it('turns a refusal into a clear one-line error, exit 1', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({
        errorType: 'BastionRefusedError',
        errorMessage: 'ttlMinutes 900 is above the manifest maximum of 480 [TTL_TOO_LONG]',
        trace: ['at ...'],
      }),
    });
    const result = await harness().run('bastion', 'open', 'acme', '--ttl', '15h', '--cidr', '203.0.113.7/32');
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: '✗ Refused: ttlMinutes 900 is above the manifest maximum of 480 [TTL_TOO_LONG]\n',
    });
  });

  it('reports any other function error as a failed operation, exit 2', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({
        errorType: 'InsufficientInstanceCapacity',
        errorMessage: 'no t4g.nano capacity in eu-west-1a',
      }),
    });
    const result = await harness().run('bastion', 'open', 'acme', '--cidr', '203.0.113.7/32');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      '✗ stackdrop-open-bastion failed (InsufficientInstanceCapacity): no t4g.nano capacity in eu-west-1a\n',
    );
  });

  it('refuses an unreadable TTL and a failed IP lookup before opening anything', async () => {
    const badTtl = await harness().run('bastion', 'open', 'acme', '--ttl', 'soon');
    expect(badTtl).toMatchObject({ code: 1, stderr: expect.stringMatching(/--ttl soon is not a duration/) });
    const noIp = await harness({ detectPublicIp: async () => '<html>error</html>' }).run(
      'bastion',
      'open',
      'acme',
    );
    expect(noIp).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Could not detect your public IPv4 address .*pass --cidr/),
    });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });
});

describe('stackdrop bastion list and close', () => {
  it('lists bastions, as text and JSON', async () => {
    const bastions = [
      {
        instanceId: 'i-0123456789abcdef0',
        access: 'ssm',
        state: 'running',
        expiresAt: '2026-11-26T06:45:00.000Z',
        expired: false,
        openedBy: 'alice',
      },
      {
        instanceId: 'i-0fedcba9876543210',
        access: 'ssh',
        state: 'running',
        address: '54.1.2.3',
        expiresAt: '2026-11-26T05:58:00.000Z',
        expired: true,
      },
    ];
    lambda.on(InvokeCommand, { FunctionName: 'stackdrop-list-bastions' }).resolves({
      StatusCode: 200,
      Payload: payload({ project: 'acme', environment: 'production', bastions, history: [] }),
    });
    const h = harness();
    const text = await h.run('bastion', 'list', 'acme');
    expect(text.stdout).toMatchInlineSnapshot(`
      "i-0123456789abcdef0  ssm  running  expires 2026-11-26T06:45:00.000Z (in 45m 00s)  opened by alice
      i-0fedcba9876543210  ssh  running  54.1.2.3  expired at 2026-11-26T05:58:00.000Z (the reaper terminates it within 5 minutes)
      "
    `);
    const json = JSON.parse((await h.run('bastion', 'list', 'acme', '--json')).stdout);
    expect(json).toEqual({ project: 'acme', environment: 'production', bastions, history: [] });
    expect(sentPayload()).toEqual({ project: 'acme', environment: 'production' });
  });

  it('says when there are none', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ bastions: [] }) });
    expect((await harness().run('bastion', 'list', 'acme')).stdout).toBe(
      'No bastions for acme/production.\n',
    );
  });

  it('closes a bastion by instance id', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'stackdrop-close-bastion' }).resolves({
      StatusCode: 200,
      Payload: payload({ instanceId: 'i-0123456789abcdef0', state: 'closed' }),
    });
    const result = await harness().run('bastion', 'close', 'acme', 'i-0123456789abcdef0');
    expect(result).toEqual({ code: 0, stdout: '✓ bastion i-0123456789abcdef0 closed\n', stderr: '' });
    expect(sentPayload()).toMatchObject({
      project: 'acme',
      environment: 'production',
      instanceId: 'i-0123456789abcdef0',
    });
  });
});

describe('stackdrop bastion close of an ended bastion', () => {
  it('says it had already ended', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        instanceId: 'i-0123456789abcdef0',
        result: 'already-ended',
        closedAt: '2026-11-26T06:00:00.000Z',
      }),
    });
    const result = await harness().run('bastion', 'close', 'acme', 'i-0123456789abcdef0');
    expect(result).toEqual({
      code: 0,
      stdout: 'bastion i-0123456789abcdef0 had already ended\n',
      stderr: '',
    });
  });
});

describe('bastion helpers', () => {
  it('parses TTLs', () => {
    expect(parseTtl('45')).toBe(45);
    expect(parseTtl('45m')).toBe(45);
    expect(parseTtl('2h')).toBe(120);
    expect(parseTtl('1h30m')).toBe(90);
    expect(() => parseTtl('0')).toThrow(/not a duration/);
  });

  it('accepts only one IPv4 address as the caller', () => {
    expect(callerCidrFromIp(' 203.0.113.7\n')).toBe('203.0.113.7/32');
    expect(() => callerCidrFromIp('2001:db8::1')).toThrow(/pass --cidr/);
    expect(() => callerCidrFromIp('300.1.1.1')).toThrow(/pass --cidr/);
  });

  it('builds an ssh tunnel through the public address', () => {
    expect(
      tunnelCommand(
        { instanceId: 'i-1', access: 'ssh', publicIp: '54.1.2.3' },
        { host: 'db.internal', port: '3306' },
      ),
    ).toBe('ssh -N -L 3306:db.internal:3306 ec2-user@54.1.2.3');
  });
});
