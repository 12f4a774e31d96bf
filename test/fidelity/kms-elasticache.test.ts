import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, runCli } from './services-harness.ts';

/** KMS and ElastiCache Serverless through the AWS CLI, each case with the page it follows (read 2026-12-07). */
const KMS = 'https://docs.aws.amazon.com/kms/latest/APIReference';
const STATES = 'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html';
const LOGS = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html';
const CACHE =
  'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html';
const VERSIONS = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html';
const PORTS = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-connecting.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let cli: Record<string, CliResult>;

beforeAll(async () => {
  env = await startTestCloud();
  const { kms, ec2 } = env.cloud;
  const disabled = kms.createKey({ Description: 'disabled' });
  kms.disableKey({ KeyId: disabled.KeyId });
  const pending = kms.createKey({ Description: 'pending' });
  const plain = kms.createKey({ Description: 'no logs statement' });
  const vpc = ec2.createVpc({ CidrBlock: '10.8.0.0/16' });
  const [a, b] = ec2.availabilityZones();
  const s1 = ec2.createSubnet({ VpcId: vpc.VpcId, CidrBlock: '10.8.1.0/24', AvailabilityZone: a!.ZoneName });
  const s2 = ec2.createSubnet({ VpcId: vpc.VpcId, CidrBlock: '10.8.2.0/24', AvailabilityZone: b!.ZoneName });
  const lockout = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }],
  });
  cli = await runCli(env.endpoint, {
    created: ['kms', 'create-key', '--description', 'app'],
    unknown: ['kms', 'describe-key', '--key-id', '00000000-0000-0000-0000-000000000000'],
    lockout: ['kms', 'create-key', '--policy', lockout],
    disabledEncrypt: ['kms', 'encrypt', '--key-id', disabled.KeyId, '--plaintext', 'aGVsbG8='],
    shortWindow: ['kms', 'schedule-key-deletion', '--key-id', pending.KeyId, '--pending-window-in-days', '6'],
    longWindow: ['kms', 'schedule-key-deletion', '--key-id', pending.KeyId, '--pending-window-in-days', '31'],
    scheduled: ['kms', 'schedule-key-deletion', '--key-id', pending.KeyId, '--pending-window-in-days', '7'],
    pendingEncrypt: ['kms', 'encrypt', '--key-id', pending.KeyId, '--plaintext', 'aGVsbG8='],
    pendingEnable: ['kms', 'enable-key', '--key-id', pending.KeyId],
    cancelled: ['kms', 'cancel-key-deletion', '--key-id', pending.KeyId],
    afterCancel: ['kms', 'describe-key', '--key-id', pending.KeyId],
    logsWithoutStatement: [
      'logs',
      'create-log-group',
      '--log-group-name',
      '/app/encrypted',
      '--kms-key-id',
      plain.Arn,
    ],
    redis6: [
      'elasticache',
      'create-serverless-cache',
      '--serverless-cache-name',
      'old',
      '--engine',
      'redis',
      '--major-engine-version',
      '6',
    ],
    badName: [
      'elasticache',
      'create-serverless-cache',
      '--serverless-cache-name',
      'Bad_Name',
      '--engine',
      'valkey',
    ],
    cache: [
      'elasticache',
      'create-serverless-cache',
      '--serverless-cache-name',
      'acme-production',
      '--engine',
      'valkey',
      '--subnet-ids',
      s1.SubnetId,
      s2.SubnetId,
    ],
    duplicate: [
      'elasticache',
      'create-serverless-cache',
      '--serverless-cache-name',
      'acme-production',
      '--engine',
      'valkey',
    ],
    deleteCreating: ['elasticache', 'delete-serverless-cache', '--serverless-cache-name', 'acme-production'],
    missing: ['elasticache', 'describe-serverless-caches', '--serverless-cache-name', 'nope'],
    disabledKeyCache: [
      'elasticache',
      'create-serverless-cache',
      '--serverless-cache-name',
      'locked',
      '--engine',
      'valkey',
      '--kms-key-id',
      disabled.Arn,
    ],
  });
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

describe('KMS keys', () => {
  it(aws('create-key makes an enabled customer-managed symmetric key', `${KMS}/API_CreateKey.html`), () => {
    expect(cli.created?.json.KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
  });
  it(aws('an unknown key is NotFoundException', `${KMS}/API_DescribeKey.html`), () => {
    expect(cliError(cli.unknown)?.code).toBe('NotFoundException');
  });
  it(
    aws(
      'a policy that locks the caller out is MalformedPolicyDocumentException',
      `${KMS}/API_CreateKey.html`,
    ),
    () => {
      expect(cliError(cli.lockout)?.code).toBe('MalformedPolicyDocumentException');
    },
  );
  it(aws('encrypting with a disabled key is DisabledException', STATES), () => {
    expect(cliError(cli.disabledEncrypt)?.code).toBe('DisabledException');
  });
  it(
    aws(
      'the deletion window is 7–30 days (ValidationException outside)',
      `${KMS}/API_ScheduleKeyDeletion.html`,
    ),
    () => {
      expect(cliError(cli.shortWindow)?.code).toBe('ValidationException');
      expect(cliError(cli.longWindow)?.code).toBe('ValidationException');
      expect(cli.scheduled?.json).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    },
  );
  it(
    aws('a key pending deletion refuses encryption and enabling with KMSInvalidStateException', STATES),
    () => {
      expect(cliError(cli.pendingEncrypt)?.code).toBe('KMSInvalidStateException');
      expect(cliError(cli.pendingEnable)?.code).toBe('KMSInvalidStateException');
    },
  );
  it(aws('a cancelled deletion leaves the key Disabled', `${KMS}/API_CancelKeyDeletion.html`), () => {
    expect(cli.cancelled?.rc).toBe(0);
    expect(cli.afterCancel?.json.KeyMetadata.KeyState).toBe('Disabled');
  });
  // Through the SDK: the CLI (botocore) refuses a period under 90 before sending it.
  it(
    aws(
      'the rotation period is 90–2560 days (ValidationException outside)',
      `${KMS}/API_EnableKeyRotation.html`,
    ),
    async () => {
      const kms = new KMSClient(env.config);
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      for (const RotationPeriodInDays of [89, 2561]) {
        const error = await errorOf(
          kms.send(new EnableKeyRotationCommand({ KeyId: KeyMetadata!.KeyId, RotationPeriodInDays })),
        );
        expect(error.name).toBe('ValidationException');
      }
      kms.destroy();
    },
  );
  it(
    aws(
      'a log group refuses a key whose policy does not allow CloudWatch Logs (AccessDeniedException)',
      LOGS,
    ),
    () => {
      const error = cliError(cli.logsWithoutStatement);
      expect(error?.code).toBe('AccessDeniedException');
      expect(error?.message).toContain('is not allowed to be used with Arn');
    },
  );
});

describe('ElastiCache Serverless', () => {
  it(aws('an engine version Serverless does not offer is InvalidParameterValue', VERSIONS), () => {
    expect(cliError(cli.redis6)?.code).toBe('InvalidParameterValue');
  });
  it(
    aws('a name of other than lower-case letters, digits and hyphens is InvalidParameterValue', CACHE),
    () => {
      expect(cliError(cli.badName)?.code).toBe('InvalidParameterValue');
    },
  );
  it(aws('a new cache is creating, with its endpoint on 6379 and reader endpoint on 6380', PORTS), () => {
    expect(cli.cache?.json.ServerlessCache).toMatchObject({
      Status: 'creating',
      Engine: 'valkey',
      Endpoint: { Port: 6379 },
      ReaderEndpoint: { Port: 6380 },
    });
  });
  it(aws('a second cache of the same name is ServerlessCacheAlreadyExistsFault', CACHE), () => {
    expect(cliError(cli.duplicate)?.code).toBe('ServerlessCacheAlreadyExistsFault');
  });
  it(aws('a cache still creating cannot be deleted (InvalidServerlessCacheStateFault)', CACHE), () => {
    expect(cliError(cli.deleteCreating)?.code).toBe('InvalidServerlessCacheStateFault');
  });
  it(aws('an unknown cache is ServerlessCacheNotFoundFault', CACHE), () => {
    expect(cliError(cli.missing)?.code).toBe('ServerlessCacheNotFoundFault');
  });
  it(aws('a disabled KMS key is InvalidKMSKeyFault', CACHE), () => {
    expect(cliError(cli.disabledKeyCache)?.code).toBe('InvalidKMSKeyFault');
  });
});
