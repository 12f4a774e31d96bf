import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  env = await startTestCloud();
});
afterAll(() => env.stop());

describe('SSM Parameter Store', () => {
  it('serves the public Amazon Linux 2023 arm64 AMI parameter', async () => {
    const ssm = new SSMClient(env.config);

    const out = await ssm.send(
      new GetParameterCommand({
        Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      }),
    );

    expect(out.Parameter).toMatchObject({ Type: 'String', DataType: 'aws:ec2:image', Version: 1 });
    expect(out.Parameter?.Value).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(out.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('puts and gets parameters, reporting missing ones', async () => {
    const ssm = new SSMClient(env.config);
    await ssm.send(new PutParameterCommand({ Name: '/stackdrop/x', Value: 'one', Type: 'String' }));
    const exists = await errorOf(
      ssm.send(new PutParameterCommand({ Name: '/stackdrop/x', Value: 'two', Type: 'String' })),
    );
    await ssm.send(new PutParameterCommand({ Name: '/stackdrop/x', Value: 'two', Overwrite: true }));

    const got = await ssm.send(new GetParametersCommand({ Names: ['/stackdrop/x', '/stackdrop/missing'] }));
    const missing = await errorOf(ssm.send(new GetParameterCommand({ Name: '/stackdrop/missing' })));

    expect(exists.name).toBe('ParameterAlreadyExists');
    expect(got.Parameters?.map((p) => [p.Value, p.Version])).toEqual([['two', 2]]);
    expect(got.InvalidParameters).toEqual(['/stackdrop/missing']);
    expect(missing.name).toBe('ParameterNotFound');
  });
});

describe('Secrets Manager', () => {
  it('creates, reads, rotates and deletes a secret', async () => {
    const sm = new SecretsManagerClient(env.config);
    const created = await sm.send(
      new CreateSecretCommand({ Name: 'acme/app-key', SecretString: 'base64:one' }),
    );

    const byName = await sm.send(new GetSecretValueCommand({ SecretId: 'acme/app-key' }));
    await sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'base64:two' }));
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const previous = await sm.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'acme/app-key' }));
    const dup = await errorOf(sm.send(new CreateSecretCommand({ Name: 'acme/app-key', SecretString: 'x' })));
    await sm.send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true }));
    const gone = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: created.ARN })));

    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:acme\/app-key-.{6}$/);
    expect(byName.SecretString).toBe('base64:one');
    expect(byArn.SecretString).toBe('base64:two');
    expect(previous.SecretString).toBe('base64:one');
    expect(Object.values(described.VersionIdsToStages ?? {})).toEqual([['AWSPREVIOUS'], ['AWSCURRENT']]);
    expect(dup.name).toBe('ResourceExistsException');
    expect(gone.name).toBe('ResourceNotFoundException');
  });
});

describe('STS', () => {
  it('returns the local account', async () => {
    const out = await new STSClient(env.config).send(new GetCallerIdentityCommand({}));

    expect(out).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/local' });
  });
});
