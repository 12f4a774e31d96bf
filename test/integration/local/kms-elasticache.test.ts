import {
  CreateServerlessCacheCommand,
  DeleteServerlessCacheCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let kms: KMSClient;
let cache: ElastiCacheClient;

beforeAll(async () => {
  env = await startTestCloud();
  kms = new KMSClient(env.config);
  cache = new ElastiCacheClient(env.config);
}, 60_000);
afterAll(() => env.stop());

describe('KMS', () => {
  it('encrypts and decrypts with a customer-managed key, bound to the encryption context', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'test' }));
    expect(KeyMetadata).toMatchObject({ KeyState: 'Enabled', KeyManager: 'CUSTOMER', Enabled: true });
    expect(KeyMetadata?.Arn).toBe(
      `arn:aws:kms:${env.cloud.region}:${env.cloud.accountId}:key/${KeyMetadata?.KeyId}`,
    );
    const context = { SecretARN: 'x' };
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: KeyMetadata!.KeyId,
        Plaintext: Buffer.from('hello'),
        EncryptionContext: context,
      }),
    );
    const plain = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(plain.Plaintext!).toString()).toBe('hello');
    expect(plain.KeyId).toBe(KeyMetadata!.Arn);
    const wrongContext = await errorOf(
      kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { SecretARN: 'y' } })),
    );
    expect(wrongContext.name).toBe('InvalidCiphertextException');
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: KeyMetadata!.Arn, KeySpec: 'AES_256' }),
    );
    expect(dataKey.Plaintext).toHaveLength(32);
  });

  it('refuses a disabled key with DisabledException and a key pending deletion with KMSInvalidStateException', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata!.KeyId!;
    await kms.send(new DisableKeyCommand({ KeyId }));
    const disabled = await errorOf(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
    expect(disabled.name).toBe('DisabledException');

    const tooShort = await errorOf(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 6 })),
    );
    expect(tooShort.name).toBe('ValidationException');
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate?.getTime()).toBe(env.cloud.clock.now() + 7 * 86_400_000);
    const pending = await errorOf(kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })));
    expect(pending.name).toBe('KMSInvalidStateException');
    expect(pending.message).toContain('is pending deletion');

    // Cancelled, the key comes back disabled; scheduled again, it is gone after its window.
    await kms.send(new CancelKeyDeletionCommand({ KeyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState).toBe('Disabled');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    await env.cloud.clock.advance(7 * 86_400_000);
    expect((await errorOf(kms.send(new DescribeKeyCommand({ KeyId })))).name).toBe('NotFoundException');
  });

  it('refuses a key policy that would lock the creator out (lockout safety check)', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
          Action: 'kms:Encrypt*',
          Resource: '*',
        },
      ],
    });
    const error = await errorOf(kms.send(new CreateKeyCommand({ Policy: policy })));
    expect(error.name).toBe('MalformedPolicyDocumentException');
  });

  it('enables rotation within 90–2560 days', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata!.KeyId!;
    expect(
      (await errorOf(kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 30 })))).name,
    ).toBe('ValidationException');
    await kms.send(new EnableKeyRotationCommand({ KeyId }));
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
    });
  });
});

describe('ElastiCache Serverless', () => {
  it('creates a cache that is creating, then available after the documented minute, on 6379/6380', async () => {
    const vpc = env.cloud.ec2.createVpc({ CidrBlock: '10.9.0.0/16' });
    const [a, b] = env.cloud.ec2.availabilityZones();
    const s1 = env.cloud.ec2.createSubnet({
      VpcId: vpc.VpcId,
      CidrBlock: '10.9.1.0/24',
      AvailabilityZone: a!.ZoneName,
    });
    const s2 = env.cloud.ec2.createSubnet({
      VpcId: vpc.VpcId,
      CidrBlock: '10.9.2.0/24',
      AvailabilityZone: b!.ZoneName,
    });
    const sg = env.cloud.ec2.createSecurityGroup({
      GroupName: 'cache',
      Description: 'cache',
      VpcId: vpc.VpcId,
    });
    const created = await cache.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: 'acme-production',
        Engine: 'valkey',
        SubnetIds: [s1.SubnetId, s2.SubnetId],
        SecurityGroupIds: [sg.GroupId],
      }),
    );
    expect(created.ServerlessCache).toMatchObject({
      Status: 'creating',
      MajorEngineVersion: '9',
      Endpoint: { Port: 6379 },
      ReaderEndpoint: { Port: 6380 },
    });
    // Its interfaces hold the subnet: EC2 refuses to delete it.
    expect(() => env.cloud.ec2.deleteSubnet(s1.SubnetId)).toThrow(/DependencyViolation|has dependencies/);
    const early = await errorOf(
      cache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'acme-production' })),
    );
    expect(early.name).toBe('InvalidServerlessCacheStateFault');
    await env.cloud.clock.advance(60_000);
    const described = await cache.send(
      new DescribeServerlessCachesCommand({ ServerlessCacheName: 'acme-production' }),
    );
    expect(described.ServerlessCaches?.[0]?.Status).toBe('available');
  });

  it('refuses an unknown engine version, a duplicate name and a disabled KMS key', async () => {
    const bad = await errorOf(
      cache.send(
        new CreateServerlessCacheCommand({
          ServerlessCacheName: 'x1',
          Engine: 'redis',
          MajorEngineVersion: '6',
        }),
      ),
    );
    expect(bad.name).toBe('InvalidParameterValueException');
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    await kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    const key = await errorOf(
      cache.send(
        new CreateServerlessCacheCommand({
          ServerlessCacheName: 'x2',
          Engine: 'valkey',
          KmsKeyId: KeyMetadata!.Arn,
        }),
      ),
    );
    expect(key.name).toBe('InvalidKMSKeyFault');
    const missing = await errorOf(
      cache.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'nope' })),
    );
    expect(missing.name).toBe('ServerlessCacheNotFoundFault');
  });
});
