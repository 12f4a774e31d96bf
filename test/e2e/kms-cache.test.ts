import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeardown } from '#cli/commands/destroy.ts';
import { setSecret } from '#cli/commands/secrets.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { appWiring } from '#shared/app-wiring.ts';
import { validateManifestObject } from '#shared/manifest/index.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, pushAndWait, startWorld } from './helpers.ts';

/**
 * A project with `security.kmsKey: create` and a cache, provisioned on the local cloud with IAM
 * enforced: the key made in the network stage encrypts every consumer, the cache sits in the
 * isolated subnets behind the app-only security group, and tasks start, their execution role
 * decrypting the database secret (under the project's key) through Secrets Manager.
 */
let world: E2eWorld;
const project = 'vault';
const stack = (stage: string) => `stackdrop-${project}-${ENVIRONMENT}-${stage}`;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

describe('a project with a customer-managed KMS key and a cache', () => {
  it('provisions, encrypts every consumer with the created key, wires the cache, and starts its tasks', async () => {
    // Prepare
    const text = `${manifestFor(project)}\nsecurity:\n  kmsKey: create\ncache:\n  engine: valkey\n`;

    // Act
    const doc = await provision(world, project, text);

    // Assess: provisioning succeeded with IAM enforced.
    expect(doc.error).toBeUndefined();
    expect(doc.phase).toBe('ready');
    const { cloud } = world.sd;
    const engine = cloud.cloudformation;
    const outputs = (stage: string) =>
      Object.fromEntries(
        (engine.findStack(stack(stage))?.outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
      );
    const resource = (stage: string, logicalId: string) =>
      engine.findStack(stack(stage))!.resources.get(logicalId)!;

    // The key: made in the network stage, rotation on, a policy naming only the root and CloudWatch Logs.
    const keyArn = outputs('network').KmsKeyArn as string;
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);
    const key = cloud.kms.resolve(keyArn);
    expect(key.KeyState).toBe('Enabled');
    expect(key.rotation?.periodDays).toBe(365);
    const statements = (
      JSON.parse(key.Policy) as { Statement: Array<{ Principal: unknown; Action: unknown }> }
    ).Statement;
    expect(statements.map((s) => s.Principal)).toEqual([
      { AWS: `arn:aws:iam::${cloud.accountId}:root` },
      { Service: 'logs.eu-west-1.amazonaws.com' },
    ]);
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('kms:*'))).toHaveLength(1);

    // Secrets the project creates (`stackdrop secrets set`) are encrypted with it too.
    const sm = new SecretsManagerClient({
      endpoint: world.sd.endpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    const set = await setSecret(sm, doc, 'MAIL_PASSWORD', 's3cret');
    expect(cloud.secretsManager.find(set.arn).KmsKeyId).toBe(keyArn);
    sm.destroy();

    // Every consumer uses it.
    const cluster = [...cloud.rds.clusters.values()].find((c) => c.DBClusterIdentifier.includes(project))!;
    expect(cluster.StorageEncrypted).toBe(true);
    expect(cluster.KmsKeyId).toBe(keyArn);
    expect(cloud.secretsManager.find(outputs('database').SecretArn as string).KmsKeyId).toBe(keyArn);
    expect(cloud.logs.group(`/stackdrop/${project}/${ENVIRONMENT}/app`).kmsKeyId).toBe(keyArn);
    expect(cloud.logs.group(`/stackdrop/${project}/${ENVIRONMENT}/vpc-flow-logs`).kmsKeyId).toBe(keyArn);
    expect(cloud.ecr.repository(`${project}-${ENVIRONMENT}`).encryptionConfiguration).toEqual({
      encryptionType: 'KMS',
      kmsKey: keyArn,
    });
    const queue = cloud.sqs.getQueueAttributes(`stackdrop-${project}-${ENVIRONMENT}`, ['All']) as Record<
      string,
      string
    >;
    expect(queue.KmsMasterKeyId).toBe(keyArn);
    expect(queue.SqsManagedSseEnabled).not.toBe('true');
    expect(resource('edge', 'AppBucket').properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          BucketKeyEnabled: true,
        },
      ],
    });

    // The cache: available, in the isolated subnets, reachable from the app's security group only.
    const network = outputs('network');
    const cache = cloud.elastiCache.cache(`${project}-${ENVIRONMENT}`);
    expect(cache.Status).toBe('available');
    expect(cache.Engine).toBe('valkey');
    expect(cache.KmsKeyId).toBe(keyArn);
    expect([...cache.SubnetIds].sort()).toEqual((network.IsolatedSubnetIds as string).split(',').sort());
    const group = cloud.ec2.securityGroup(cache.SecurityGroupIds[0]!);
    expect(group.rules.filter((r) => !r.IsEgress)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6380,
        ReferencedGroupInfo: expect.objectContaining({ GroupId: network.AppSecurityGroupId }),
      }),
    ]);
    const database = outputs('database');
    expect(database).toMatchObject({
      CacheAddress: cache.Endpoint.Address,
      CachePort: '6379',
      CacheReaderPort: '6380',
    });

    // What the app stage gets (shared/app-wiring.ts).
    const manifest = validateManifestObject({
      version: 1,
      project,
      app: { allowPlainHttp: true },
      cache: { engine: 'valkey' },
      security: { kmsKey: 'create' },
    });
    expect(appWiring(manifest, database).environment).toEqual({
      REDIS_HOST: cache.Endpoint.Address,
      REDIS_PORT: '6379',
      REDIS_SCHEME: 'tls',
    });

    // Tasks start: the execution role may decrypt the database secret through Secrets Manager.
    const { digest, doc: deployed } = await pushAndWait(world, project, 'v1');
    expect(deployed.deploys.find((d) => d.digest === digest)?.outcome).toBe('succeeded');

    // Teardown: the cache goes with the database stage (its interfaces no longer hold the
    // subnets); the key stays (DeletionPolicy Retain: the final snapshot is encrypted with it).
    const sfn = new SFNClient({
      endpoint: world.sd.endpoint,
      region: cloud.region,
      credentials: LOCAL_CREDENTIALS,
    });
    await world.session.act(() =>
      startTeardown(project, ENVIRONMENT, project, {
        sfn,
        stateMachineArn: world.sd.outputs.TeardownStateMachineArn!,
        now: () => cloud.clock.date(),
      }),
    );
    const gone = await world.session.waitForStatus(project, ENVIRONMENT, (d) =>
      ['destroyed', 'failed'].includes(d.phase),
    );
    expect(gone.error).toBeUndefined();
    expect(gone.phase).toBe('destroyed');
    expect(cloud.elastiCache.caches.has(`${project}-${ENVIRONMENT}`)).toBe(false);
    expect(cloud.kms.resolve(keyArn).KeyState).toBe('Enabled');
  }, 300_000);
});
