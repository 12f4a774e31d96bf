import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';
import { startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let dir: string;

beforeAll(async () => {
  env = await startTestCloud();
  dir = await mkdtemp(join(tmpdir(), 'local-cloud-cli-'));
});
afterAll(async () => {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
});

function cliEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    PYENV_ROOT: process.env.PYENV_ROOT,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_MAX_ATTEMPTS: '1',
  };
}

/** Runs AWS CLI commands in order against the local cloud; returns each command's parsed JSON (or stderr on failure). */
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is untyped
async function aws(...commands: string[][]): Promise<Array<Record<string, any>>> {
  const full = commands.map((c) => ['--endpoint-url', env.endpoint, '--output', 'json', ...c]);
  const results = await runAwsCli(full, cliEnv());
  return results.map((r) => {
    if (r.rc !== 0) return { error: r.stderr };
    try {
      return r.stdout.trim() ? JSON.parse(r.stdout) : {};
    } catch {
      return { text: r.stdout };
    }
  });
}

describe('the AWS CLI against the local cloud', () => {
  it('uses S3 (restXml): buckets, versions, conditional put, get, list, and aws s3 cp / ls', async () => {
    const file = join(dir, 'manifest.yaml');
    await writeFile(file, 'version: 1\nproject: acme\n');
    const large = join(dir, 'large.bin');
    await writeFile(large, Buffer.alloc(9 * 1024 * 1024, 'z'));
    const key = 'manifests/acme-production.yaml';

    const [, , put, conflict, got, listed, copied, ls, multipart, download] = await aws(
      [
        's3api',
        'create-bucket',
        '--bucket',
        'cli-bucket',
        '--create-bucket-configuration',
        'LocationConstraint=eu-west-1',
      ],
      [
        's3api',
        'put-bucket-versioning',
        '--bucket',
        'cli-bucket',
        '--versioning-configuration',
        'Status=Enabled',
      ],
      ['s3api', 'put-object', '--bucket', 'cli-bucket', '--key', key, '--body', file],
      ['s3api', 'put-object', '--bucket', 'cli-bucket', '--key', key, '--body', file, '--if-none-match', '*'],
      ['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', key, join(dir, 'out.yaml')],
      ['s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'manifests/'],
      ['s3', 'cp', file, 's3://cli-bucket/manifests/other-production.yaml', '--no-progress'],
      ['s3', 'ls', 's3://cli-bucket/manifests/'],
      ['s3', 'cp', large, 's3://cli-bucket/large.bin', '--no-progress'],
      ['s3', 'cp', 's3://cli-bucket/large.bin', join(dir, 'large-copy.bin'), '--no-progress'],
    );

    expect(put!.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(put!.VersionId).toBeTruthy();
    expect(conflict!.error).toContain('PreconditionFailed');
    expect(got!.VersionId).toBe(put!.VersionId);
    expect(await readFile(join(dir, 'out.yaml'), 'utf8')).toBe('version: 1\nproject: acme\n');
    expect(listed!.Contents.map((o: { Key: string }) => o.Key)).toEqual([key]);
    expect(copied!.text).toContain('upload:');
    expect(ls!.text).toMatch(/acme-production\.yaml[\s\S]*other-production\.yaml/);
    expect(multipart!.text).toContain('upload:');
    expect(download!.text).toContain('download:');
    expect((await readFile(join(dir, 'large-copy.bin'))).equals(await readFile(large))).toBe(true);
    expect(env.cloud.s3.currentObject('cli-bucket', 'large.bin')?.etag).toMatch(/-2"$/);
  });

  it('uses SQS: create, send with attributes, receive, delete', async () => {
    const url = `${env.endpoint}/000000000000/cli-queue`;

    const [created, sent, got] = await aws(
      ['sqs', 'create-queue', '--queue-name', 'cli-queue'],
      [
        'sqs',
        'send-message',
        '--queue-url',
        url,
        '--message-body',
        'hello',
        '--message-attributes',
        'kind={DataType=String,StringValue=deploy}',
      ],
      ['sqs', 'receive-message', '--queue-url', url, '--message-attribute-names', 'All'],
    );
    const [deleted] = await aws([
      'sqs',
      'delete-message',
      '--queue-url',
      url,
      '--receipt-handle',
      got!.Messages[0].ReceiptHandle,
    ]);

    expect(created!.QueueUrl).toBe(url);
    expect(sent!.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(got!.Messages[0].Body).toBe('hello');
    expect(got!.Messages[0].MessageAttributes.kind.StringValue).toBe('deploy');
    expect(got!.Messages[0].MD5OfMessageAttributes).toBe(sent!.MD5OfMessageAttributes);
    expect(deleted).toEqual({});
    expect(env.cloud.sqs.queue('cli-queue').messages).toHaveLength(0);
  });

  it('uses EC2 (ec2Query): run, filter and terminate instances, security-group rules', async () => {
    const vpc = env.cloud.ec2.createVpc({ CidrBlock: '10.9.0.0/16' });
    const subnet = env.cloud.ec2.createSubnet({ VpcId: vpc.VpcId, CidrBlock: '10.9.1.0/24' });
    const group = env.cloud.ec2.createSecurityGroup({
      VpcId: vpc.VpcId,
      GroupName: 'cli',
      Description: 'cli',
    });

    const [run, , described, rules] = await aws(
      [
        'ec2',
        'run-instances',
        '--image-id',
        'ami-0a2b3c4d5e6f70819',
        '--instance-type',
        't4g.nano',
        '--count',
        '1',
        '--subnet-id',
        subnet.SubnetId,
        '--security-group-ids',
        group.GroupId,
        '--tag-specifications',
        'ResourceType=instance,Tags=[{Key=stackdrop:expires-at,Value=2026-11-26T07:00:00Z}]',
      ],
      [
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        group.GroupId,
        '--ip-permissions',
        'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.9/32,Description=cli}]',
      ],
      [
        'ec2',
        'describe-instances',
        '--filters',
        'Name=tag-key,Values=stackdrop:expires-at',
        'Name=instance-state-name,Values=pending,running',
      ],
      ['ec2', 'describe-security-group-rules', '--filters', `Name=group-id,Values=${group.GroupId}`],
    );
    const [terminated] = await aws([
      'ec2',
      'terminate-instances',
      '--instance-ids',
      run!.Instances[0].InstanceId,
    ]);

    expect(run!.Instances[0].State.Name).toBe('pending');
    expect(described!.Reservations[0].Instances.map((i: { InstanceId: string }) => i.InstanceId)).toEqual([
      run!.Instances[0].InstanceId,
    ]);
    expect(rules!.SecurityGroupRules.filter((r: { IsEgress: boolean }) => !r.IsEgress)[0]).toMatchObject({
      CidrIpv4: '203.0.113.9/32',
      Description: 'cli',
      FromPort: 22,
    });
    expect(terminated!.TerminatingInstances[0].CurrentState.Name).toBe('shutting-down');
  });

  it('uses ECS, ECR and EventBridge (awsJson 1.1)', async () => {
    const [, clusters, , repos, put] = await aws(
      ['ecs', 'create-cluster', '--cluster-name', 'cli-cluster'],
      ['ecs', 'list-clusters'],
      ['ecr', 'create-repository', '--repository-name', 'cli-repo'],
      ['ecr', 'describe-repositories'],
      [
        'events',
        'put-events',
        '--entries',
        JSON.stringify([
          { Source: 'stackdrop', DetailType: 'Deploy Succeeded', Detail: '{"project":"acme"}' },
        ]),
      ],
    );

    expect(clusters!.clusterArns).toContain('arn:aws:ecs:eu-west-1:000000000000:cluster/cli-cluster');
    expect(repos!.repositories[0].repositoryUri).toBe(
      '000000000000.dkr.ecr.eu-west-1.amazonaws.com/cli-repo',
    );
    expect(put!.FailedEntryCount).toBe(0);
    expect(env.cloud.eventBus.log.at(-1)).toMatchObject({
      source: 'stackdrop',
      'detail-type': 'Deploy Succeeded',
    });
  });

  it('uses RDS and ELBv2 (awsQuery), SSM, Secrets Manager, STS and Scheduler (restJson)', async () => {
    const cluster = env.cloud.rds.createDBCluster({
      DBClusterIdentifier: 'cli-db',
      Engine: 'aurora-postgresql',
      MasterUsername: 'pg',
      ManageMasterUserPassword: true,
    });

    const [clusters, lbs, param, identity, schedules, secret] = await aws(
      ['rds', 'describe-db-clusters'],
      ['elbv2', 'describe-load-balancers'],
      [
        'ssm',
        'get-parameter',
        '--name',
        '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      ],
      ['sts', 'get-caller-identity'],
      ['scheduler', 'list-schedules'],
      ['secretsmanager', 'get-secret-value', '--secret-id', cluster.MasterUserSecret!.SecretArn],
    );

    expect(clusters!.DBClusters[0]).toMatchObject({
      DBClusterIdentifier: 'cli-db',
      Engine: 'aurora-postgresql',
      Port: 5432,
    });
    expect(lbs!.LoadBalancers).toEqual([]);
    expect(param!.Parameter.Value).toMatch(/^ami-/);
    expect(identity!.Account).toBe('000000000000');
    expect(schedules!.Schedules).toEqual([]);
    expect(JSON.parse(secret!.SecretString).username).toBe('pg');
  });
});
