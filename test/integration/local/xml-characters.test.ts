import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xmlEscape } from '#local/protocols/query.ts';
import { errorOf, startTestCloud } from './helpers.ts';

// XML 1.0 forbids C0 controls other than tab, LF and CR (raw, or as a character reference).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters under test.
const XML_ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|&#x1f;|&#31;/i;

let env: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  env = await startTestCloud();
});
afterAll(() => env.stop());

describe('characters XML 1.0 cannot carry', () => {
  it('refuses them in an awsQuery parameter with ValidationError, so DescribeStacks stays parseable', async () => {
    // Prepare
    const cfn = new CloudFormationClient(env.config);
    const template =
      'Parameters:\n  Command: { Type: String }\nResources:\n  Queue: { Type: AWS::SQS::Queue }\n';

    // Act
    const refused = await errorOf(
      cfn.send(
        new CreateStackCommand({
          StackName: 'controls',
          TemplateBody: template,
          Parameters: [{ ParameterKey: 'Command', ParameterValue: 'php\u001fartisan' }],
        }),
      ),
    );
    await cfn.send(
      new CreateStackCommand({
        StackName: 'printable',
        TemplateBody: template,
        Parameters: [{ ParameterKey: 'Command', ParameterValue: 'php␟artisan' }],
      }),
    );
    const all = await cfn.send(new DescribeStacksCommand({}));

    // Assess
    expect(refused.name).toBe('ValidationError');
    expect(refused.message).toContain('U+001F');
    expect(all.Stacks?.map((s) => s.StackName)).toEqual(['printable']);
    expect(all.Stacks?.[0]?.Parameters?.[0]?.ParameterValue).toBe('php␟artisan');
    cfn.destroy();
  });

  it('refuses them in an ec2Query parameter with InvalidParameterValue', async () => {
    // Prepare
    const ec2 = new EC2Client(env.config);

    // Act
    const refused = await errorOf(
      ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['a\u0001b'] }] })),
    );

    // Assess
    expect(refused.name).toBe('InvalidParameterValue');
    ec2.destroy();
  });

  it('lists an S3 key holding one URL-encoded with encoding-type=url, and refuses the plain XML listing', async () => {
    // Prepare
    const s3 = new S3Client({ ...env.config, forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'controls',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'controls', Key: 'logs/a\u001fb c.txt', Body: 'x' }));

    // Act
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'controls', EncodingType: 'url' }));
    const versions = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'controls', EncodingType: 'url' }),
    );
    const plain = await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'controls' })));

    // Assess
    expect(encoded.Contents?.map((o) => o.Key)).toEqual(['logs/a%1Fb+c.txt']);
    expect(encoded.EncodingType).toBe('url');
    expect(versions.Versions?.map((v) => v.Key)).toEqual(['logs/a%1Fb+c.txt']);
    expect(plain.name).toBe('InvalidArgument');
    expect(plain.message).toContain('encoding-type=url');
    s3.destroy();
  });

  it('never writes them into XML, even for values made inside the local cloud', () => {
    // Act
    const text = xmlEscape('stack\u0000reason\u001f<x>\ud800');

    // Assess
    expect(text).not.toMatch(XML_ILLEGAL);
    expect(text).toBe('stack\ufffdreason\ufffd&lt;x&gt;\ufffd');
  });
});
