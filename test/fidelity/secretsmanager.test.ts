import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, runCli } from './services-harness.ts';

const API = 'https://docs.aws.amazon.com/secretsmanager/latest/apireference';
const CREATE = `${API}/API_CreateSecret.html`;
const GET = `${API}/API_GetSecretValue.html`;
const DELETE = `${API}/API_DeleteSecret.html`;
const PARTIAL =
  'https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen';
const IAM = 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let sm: SecretsManagerClient;
let cli: Record<string, CliResult>;
let appKeyArn: string;
const DAY = 86_400_000;

const create = (name: string) => ['secretsmanager', 'create-secret', '--name', name, '--secret-string', 'v'];
const get = (id: string) => ['secretsmanager', 'get-secret-value', '--secret-id', id];

beforeAll(async () => {
  env = await startTestCloud();
  sm = new SecretsManagerClient(env.config);
  const created = await sm.send(
    new CreateSecretCommand({ Name: 'acme/production/APP_KEY', SecretString: 'base64:key' }),
  );
  appKeyArn = created.ARN!;
  await sm.send(new CreateSecretCommand({ Name: 'db-prod01', SecretString: 'p' }));
  const partial = appKeyArn.slice(0, -7);
  cli = await runCli(env.endpoint, {
    space: create('acme production'),
    hash: create('acme#key'),
    long: create('n'.repeat(513)),
    longest: create('n'.repeat(512)),
    byName: get('acme/production/APP_KEY'),
    byArn: get(appKeyArn),
    byPartial: get(partial),
    nameWithSuffix: get(`acme/production/APP_KEY${appKeyArn.slice(-7)}`),
    missing: get('acme/production/NOPE'),
  });
}, 120_000);

afterAll(async () => {
  sm?.destroy();
  await env?.stop();
});

describe('Secrets Manager names and ARNs', () => {
  it(aws('a name holds only letters, digits and /_+=.@- (ValidationException otherwise)', CREATE), () => {
    expect(cliError(cli.space)?.code).toBe('ValidationException');
    expect(cliError(cli.hash)?.code).toBe('ValidationException');
  });

  it(aws('a name has at most 512 characters', CREATE), () => {
    expect(cliError(cli.long)?.code).toBe('ValidationException');
    expect(cli.longest!.rc).toBe(0);
  });

  it(
    aws("a secret's ARN is its name plus a hyphen and 6 random characters (IAM names it <name>-??????)", IAM),
    () => {
      expect(appKeyArn).toMatch(
        /^arn:aws:secretsmanager:eu-west-1:000000000000:secret:acme\/production\/APP_KEY-[A-Za-z0-9]{6}$/,
      );
    },
  );

  it(aws('GetSecretValue finds a secret by name and by complete ARN', GET), () => {
    expect(cli.byName!.json).toMatchObject({ ARN: appKeyArn, SecretString: 'base64:key' });
    expect(cli.byArn!.json).toMatchObject({ Name: 'acme/production/APP_KEY' });
  });

  it(aws('a partial ARN (without the -xxxxxx suffix) resolves to the one secret it names', PARTIAL), () => {
    expect(cli.byPartial!.json).toMatchObject({ ARN: appKeyArn });
  });

  it(
    aws(
      'a partial ARN whose name ends in "-" + 6 characters is taken as complete, so it is not found',
      PARTIAL,
    ),
    async () => {
      const arn = (await sm.send(new DescribeSecretCommand({ SecretId: 'db-prod01' }))).ARN!;
      const error = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) })));
      expect(error.name).toBe('ResourceNotFoundException');
    },
  );

  it(aws('a friendly name must not include the random suffix (ResourceNotFoundException)', GET), () => {
    expect(cliError(cli.nameWithSuffix)?.code).toBe('ResourceNotFoundException');
  });

  it(
    aws(
      'an unknown secret is ResourceNotFoundException: "Secrets Manager can\'t find the specified secret."',
      GET,
    ),
    () => {
      expect(cliError(cli.missing)).toEqual({
        code: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    },
  );
});

describe('Secrets Manager deletion with a recovery window', () => {
  it(
    aws('RecoveryWindowInDays is 7–30 and cannot be combined with ForceDeleteWithoutRecovery', DELETE),
    async () => {
      const short = await errorOf(
        sm.send(new DeleteSecretCommand({ SecretId: 'db-prod01', RecoveryWindowInDays: 6 })),
      );
      const long = await errorOf(
        sm.send(new DeleteSecretCommand({ SecretId: 'db-prod01', RecoveryWindowInDays: 31 })),
      );
      const both = await errorOf(
        sm.send(
          new DeleteSecretCommand({
            SecretId: 'db-prod01',
            RecoveryWindowInDays: 7,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      );
      expect([short.name, long.name, both.name]).toEqual([
        'InvalidParameterException',
        'InvalidParameterException',
        'InvalidParameterException',
      ]);
    },
  );

  it(
    aws(
      'a secret scheduled for deletion refuses GetSecretValue with InvalidRequestException but still describes',
      DELETE,
    ),
    async () => {
      await sm.send(new CreateSecretCommand({ Name: 'acme/staging/KEY', SecretString: 's' }));
      const deleted = await sm.send(
        new DeleteSecretCommand({ SecretId: 'acme/staging/KEY', RecoveryWindowInDays: 7 }),
      );
      const read = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'acme/staging/KEY' })));
      const described = await sm.send(new DescribeSecretCommand({ SecretId: 'acme/staging/KEY' }));
      const listed = await sm.send(new ListSecretsCommand({}));
      const withPlanned = await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
      const recreate = await errorOf(
        sm.send(new CreateSecretCommand({ Name: 'acme/staging/KEY', SecretString: 'x' })),
      );

      expect(deleted.DeletionDate!.getTime() - env.cloud.clock.now()).toBe(7 * DAY);
      expect(read.name).toBe('InvalidRequestException');
      expect(read.message).toContain('marked for deletion');
      expect(described.DeletedDate).toBeInstanceOf(Date);
      expect(listed.SecretList?.map((s) => s.Name)).not.toContain('acme/staging/KEY');
      expect(withPlanned.SecretList?.map((s) => s.Name)).toContain('acme/staging/KEY');
      expect(recreate.name).toBe('InvalidRequestException');
    },
  );

  it(aws('RestoreSecret cancels the deletion', `${API}/API_RestoreSecret.html`), async () => {
    await sm.send(new CreateSecretCommand({ Name: 'acme/dev/KEY', SecretString: 'd' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'acme/dev/KEY' }));
    await sm.send(new RestoreSecretCommand({ SecretId: 'acme/dev/KEY' }));
    const read = await sm.send(new GetSecretValueCommand({ SecretId: 'acme/dev/KEY' }));
    expect(read.SecretString).toBe('d');
  });

  it(
    aws('after the window (30 days by default) the secret is gone and its name is free', DELETE),
    async () => {
      await sm.send(new CreateSecretCommand({ Name: 'acme/old/KEY', SecretString: 'o' }));
      const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'acme/old/KEY' }));
      await env.cloud.clock.advance(30 * DAY);
      const gone = await errorOf(sm.send(new DescribeSecretCommand({ SecretId: 'acme/old/KEY' })));
      const again = await sm.send(new CreateSecretCommand({ Name: 'acme/old/KEY', SecretString: 'n' }));
      expect(deleted.DeletionDate!.getTime()).toBe(env.cloud.clock.now());
      expect(gone.name).toBe('ResourceNotFoundException');
      expect(again.ARN).not.toBe(deleted.ARN);
    },
  );
});
