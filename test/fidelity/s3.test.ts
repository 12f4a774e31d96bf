import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, runCli } from './services-harness.ts';

const CREATE = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html';
const NAMING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html';
const ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList';
const CONDITIONAL = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html';
const LOCATION = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let virginia: Awaited<ReturnType<typeof startTestCloud>>;
let s3: S3Client;
let cli: Record<string, CliResult>;
let cliVirginia: Record<string, CliResult>;

const bucket = (name: string, constraint?: string) => [
  's3api',
  'create-bucket',
  '--bucket',
  name,
  ...(constraint ? ['--create-bucket-configuration', `LocationConstraint=${constraint}`] : []),
];
const put = (key: string, ...extra: string[]) => [
  's3api',
  'put-object',
  '--bucket',
  'status-bucket',
  '--key',
  key,
  ...extra,
];

beforeAll(async () => {
  env = await startTestCloud();
  virginia = await startTestCloud({ region: 'us-east-1' });
  s3 = new S3Client({ ...env.config, forcePathStyle: true });
  cli = await runCli(env.endpoint, {
    unspecified: bucket('no-constraint'),
    otherRegion: bucket('wrong-region', 'us-west-2'),
    virginia: bucket('named-virginia', 'us-east-1'),
    bogus: bucket('bogus-region', 'mars-north-1'),
    created: bucket('status-bucket', 'eu-west-1'),
    location: ['s3api', 'get-bucket-location', '--bucket', 'status-bucket'],
    again: bucket('status-bucket', 'eu-west-1'),
    first: put('status/acme.json'),
    ifNoneMatch: put('status/acme.json', '--if-none-match', '*'),
    ifMatchWrong: put('status/acme.json', '--if-match', '"00000000000000000000000000000000"'),
    ifMatchMissing: put('status/missing.json', '--if-match', '"00000000000000000000000000000000"'),
  });
  cliVirginia = await runCli(virginia.endpoint, {
    created: bucket('virginia-bucket'),
    again: bucket('virginia-bucket'),
    explicit: bucket('explicit-virginia', 'us-east-1'),
    location: ['s3api', 'get-bucket-location', '--bucket', 'virginia-bucket'],
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await env?.stop();
  await virginia?.stop();
});

describe('S3 CreateBucket and its LocationConstraint', () => {
  it(aws('outside us-east-1, no LocationConstraint is IllegalLocationConstraintException', CREATE), () => {
    expect(cliError(cli.unspecified)).toEqual({
      code: 'IllegalLocationConstraintException',
      message:
        'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
    });
  });

  it(aws('a LocationConstraint of another region is IllegalLocationConstraintException', CREATE), () => {
    expect(cliError(cli.otherRegion)?.code).toBe('IllegalLocationConstraintException');
  });

  it(aws('us-east-1 is never a valid LocationConstraint (InvalidLocationConstraint)', CREATE), () => {
    expect(cliError(cli.virginia)?.code).toBe('InvalidLocationConstraint');
    expect(cliError(cliVirginia.explicit)?.code).toBe('InvalidLocationConstraint');
  });

  it(aws('a LocationConstraint that names no region is InvalidLocationConstraint', ERRORS), () => {
    expect(cliError(cli.bogus)).toEqual({
      code: 'InvalidLocationConstraint',
      message: 'The specified location-constraint is not valid',
    });
  });

  it(aws("with the endpoint's region as LocationConstraint the bucket is created there", LOCATION), () => {
    expect(cli.created!.rc).toBe(0);
    expect(cli.location!.json).toEqual({ LocationConstraint: 'eu-west-1' });
  });

  it(aws('creating a bucket you already own is BucketAlreadyOwnedByYou (409)', ERRORS), async () => {
    expect(cliError(cli.again)?.code).toBe('BucketAlreadyOwnedByYou');
    const sdk = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'status-bucket',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      ),
    );
    expect(sdk.name).toBe('BucketAlreadyOwnedByYou');
    expect((sdk as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(409);
  });

  it(
    aws(
      'in us-east-1 no LocationConstraint is right, re-creating your own bucket answers 200, and the location reads null',
      CREATE,
    ),
    () => {
      expect(cliVirginia.created!.rc).toBe(0);
      expect(cliVirginia.again!.rc).toBe(0);
      expect(cliVirginia.location!.json).toEqual({ LocationConstraint: null });
    },
  );
});

describe('S3 bucket names', () => {
  const refused = async (name: string) =>
    (
      await errorOf(
        s3.send(
          new CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
          }),
        ),
      )
    ).name;

  it(
    aws(
      'names are 3–63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
      NAMING,
    ),
    async () => {
      expect(await refused('ab')).toBe('InvalidBucketName');
      expect(await refused('a'.repeat(64))).toBe('InvalidBucketName');
      expect(await refused('Acme-Bucket')).toBe('InvalidBucketName');
      expect(await refused('acme_bucket')).toBe('InvalidBucketName');
      expect(await refused('-acme')).toBe('InvalidBucketName');
      expect(await refused('acme-')).toBe('InvalidBucketName');
    },
  );

  it(aws('a name may not look like an IP address or hold two adjacent periods', NAMING), async () => {
    expect(await refused('192.168.5.4')).toBe('InvalidBucketName');
    expect(await refused('acme..bucket')).toBe('InvalidBucketName');
  });

  it(
    aws(
      'reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, .mrap) are refused',
      NAMING,
    ),
    async () => {
      for (const name of [
        'xn--acme',
        'sthree-acme',
        'amzn-s3-demo-acme',
        'acme-s3alias',
        'acme--ol-s3',
        'acme.mrap',
      ]) {
        expect(await refused(name), name).toBe('InvalidBucketName');
      }
      const ok = await s3.send(
        new CreateBucketCommand({
          Bucket: 'acme.example-1',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      expect(ok.Location).toBe('/acme.example-1');
    },
  );
});

describe('S3 conditional writes (what the status document relies on)', () => {
  it(aws('If-None-Match: * on an existing key is 412 PreconditionFailed', CONDITIONAL), () => {
    expect(cli.first!.rc).toBe(0);
    expect(cliError(cli.ifNoneMatch)?.code).toBe('PreconditionFailed');
  });

  it(
    aws(
      'If-Match with another ETag is 412 PreconditionFailed; with the current ETag the write succeeds',
      CONDITIONAL,
    ),
    async () => {
      expect(cliError(cli.ifMatchWrong)?.code).toBe('PreconditionFailed');
      const etag = cli.first!.json.ETag as string;
      const ok = await s3.send(
        new PutObjectCommand({ Bucket: 'status-bucket', Key: 'status/acme.json', Body: '{}', IfMatch: etag }),
      );
      const stale = await errorOf(
        s3.send(
          new PutObjectCommand({
            Bucket: 'status-bucket',
            Key: 'status/acme.json',
            Body: '{}',
            IfMatch: etag,
          }),
        ),
      );
      expect(ok.ETag).toBeDefined();
      expect(stale.name).toBe('PreconditionFailed');
    },
  );

  it(aws('If-Match on a key that does not exist is 404 NoSuchKey', CONDITIONAL), () => {
    expect(cliError(cli.ifMatchMissing)?.code).toBe('NoSuchKey');
  });

  it(aws('If-None-Match supports only * (501 NotImplemented otherwise)', CONDITIONAL), async () => {
    const error = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'status-bucket', Key: 'x', Body: '{}', IfNoneMatch: '"abc"' })),
    );
    expect(error.name).toBe('NotImplemented');
  });

  it(aws('GetBucketLocation answers the region the bucket was created in', LOCATION), async () => {
    const out = await s3.send(new GetBucketLocationCommand({ Bucket: 'status-bucket' }));
    expect(out.LocationConstraint).toBe('eu-west-1');
  });
});
