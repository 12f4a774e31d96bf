import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { provisioningSettled, withReplacementAllowed } from '#cli/commands/deploy.ts';
import {
  harness,
  objectBody,
  START,
  stackdropStack,
  stackMissing,
  statusDoc,
  VALID_MANIFEST,
} from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);

const at = (seconds: number) => new Date(START.getTime() + seconds * 1000);
const noStatus = Object.assign(new Error('missing'), { name: 'NoSuchKey' });

function stackdropWithoutProjectStacks() {
  cfn.on(DescribeStacksCommand).rejects(stackMissing('x'));
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
}

function writeManifest(cwd: string, name = 'acme.yaml', text = VALID_MANIFEST) {
  writeFileSync(join(cwd, name), text);
}

beforeEach(() => {
  cfn.reset();
  s3.reset();
});

describe('stackdrop deploy', () => {
  it('refuses an invalid manifest with zero AWS calls, exit 1', async () => {
    const h = harness();
    writeManifest(h.deps.cwd, 'acme.yaml', 'version: 1\nproject: acme\nnetwork: { cidr: 8.8.8.0/24 }\n');
    const result = await h.run('deploy', 'acme.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/acme\.yaml:3:\d+: network\.cidr/);
    expect(cfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('uploads the manifest to the bucket from the stack outputs and prints the version', async () => {
    // Prepare
    stackdropWithoutProjectStacks();
    s3.on(PutObjectCommand).resolves({ VersionId: 'v-123' });
    const h = harness();
    writeManifest(h.deps.cwd);
    // Act
    const result = await h.run('deploy', 'acme.yaml');
    // Assess
    expect(result.code).toBe(0);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'stackdrop-bucket',
      Key: 'manifests/acme-production.yaml',
      Body: VALID_MANIFEST,
      ContentType: 'application/yaml',
    });
    expect(cfn).not.toHaveReceivedCommand(CreateChangeSetCommand);
    expect(result.stdout).toBe(
      '✓ uploaded s3://stackdrop-bucket/manifests/acme-production.yaml (version v-123)\nstackdrop is provisioning acme/production: follow it with `stackdrop status acme --watch`\n',
    );
  });

  it('keeps the JSON extension and prints the upload as JSON', async () => {
    stackdropWithoutProjectStacks();
    s3.on(PutObjectCommand).resolves({ VersionId: 'v-9' });
    const h = harness();
    writeManifest(
      h.deps.cwd,
      'acme.json',
      JSON.stringify({ version: 1, project: 'acme', environment: 'staging', app: { allowPlainHttp: true } }),
    );
    const result = await h.run('deploy', 'acme.json', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      upload: {
        project: 'acme',
        environment: 'staging',
        bucket: 'stackdrop-bucket',
        key: 'manifests/acme-staging.json',
        versionId: 'v-9',
        uploadedAt: START.toISOString(),
      },
    });
  });

  it('explains access denied on upload, exit 1', async () => {
    stackdropWithoutProjectStacks();
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: s3:PutObject'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const h = harness();
    writeManifest(h.deps.cwd);
    const result = await h.run('deploy', 'acme.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      '✗ Access denied: User is not authorized to perform: s3:PutObject. Use a role allowed to operate stackdrop (see docs/cli.md, "Permissions") or ask an administrator to grant it.\n',
    );
  });

  describe('with a live database stack', () => {
    const replacement = {
      Status: 'CREATE_COMPLETE' as const,
      Changes: [
        {
          Type: 'Resource' as const,
          ResourceChange: {
            Action: 'Modify' as const,
            LogicalResourceId: 'Cluster',
            ResourceType: 'AWS::RDS::DBCluster',
            Replacement: 'True' as const,
          },
        },
      ],
    };
    function liveDatabase() {
      stackdropWithoutProjectStacks();
      for (const stage of ['network', 'database']) {
        cfn.on(DescribeStacksCommand, { StackName: `stackdrop-acme-production-${stage}` }).resolves({
          Stacks: [
            {
              StackName: `stackdrop-acme-production-${stage}`,
              StackStatus: 'UPDATE_COMPLETE',
              CreationTime: START,
            },
          ],
        });
      }
      s3.on(GetObjectCommand).rejects(noStatus);
      cfn.on(CreateChangeSetCommand).resolves({});
    }

    it('refuses a plan that replaces the Aurora cluster and uploads nothing, exit 1', async () => {
      liveDatabase();
      cfn.on(DescribeChangeSetCommand).resolves(replacement);
      const h = harness();
      writeManifest(h.deps.cwd);
      const result = await h.run('deploy', 'acme.yaml');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Refusing to deploy: this manifest REPLACES the Aurora cluster \(Cluster\) of stackdrop-acme-production-database/,
      );
      expect(cfn).toHaveReceivedCommandWith(CreateChangeSetCommand, {
        StackName: 'stackdrop-acme-production-database',
        ChangeSetType: 'UPDATE',
      });
      expect(cfn).toHaveReceivedCommandTimes(CreateChangeSetCommand, 1);
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('with --allow-db-replacement uploads the manifest marked allowReplacement, keeping its comments', async () => {
      liveDatabase();
      cfn.on(DescribeChangeSetCommand).resolves(replacement);
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-2' });
      const h = harness();
      writeManifest(h.deps.cwd, 'acme.yaml', `# our shop\n${VALID_MANIFEST}`);
      const result = await h.run('deploy', 'acme.yaml', '--allow-db-replacement');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/REPLACES the Aurora cluster \(allowed\)/);
      const body = String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body);
      expect(body).toContain('# our shop\n');
      expect(body).toMatch(
        /database:\n {2}engine: aurora-mysql\n {2}readers: 1\n {2}allowReplacement: true\n/,
      );
    });

    it('after a failed first run (database in ROLLBACK_COMPLETE) uploads like aws s3 cp, creating no change set', async () => {
      // Prepare
      liveDatabase();
      cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' }).resolves({
        Stacks: [
          {
            StackName: 'stackdrop-acme-production-database',
            StackStatus: 'ROLLBACK_COMPLETE',
            CreationTime: START,
          },
        ],
      });
      cfn
        .on(CreateChangeSetCommand)
        .rejects(
          Object.assign(
            new Error(
              'Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/stackdrop-acme-production-database/1 is in ROLLBACK_COMPLETE state and can not be updated.',
            ),
            { name: 'ValidationError' },
          ),
        );
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-4' });
      const h = harness();
      writeManifest(h.deps.cwd);
      // Act
      const result = await h.run('deploy', 'acme.yaml');
      // Assess
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(cfn).not.toHaveReceivedCommand(CreateChangeSetCommand);
      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    });

    it('uploads without asking when the database is only modified in place', async () => {
      liveDatabase();
      cfn.on(DescribeChangeSetCommand).resolves({
        Status: 'CREATE_COMPLETE',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: {
              Action: 'Modify',
              LogicalResourceId: 'Cluster',
              ResourceType: 'AWS::RDS::DBCluster',
              Replacement: 'False',
            },
          },
        ],
      });
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-3' });
      const h = harness();
      writeManifest(h.deps.cwd);
      expect((await h.run('deploy', 'acme.yaml')).code).toBe(0);
      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    });
  });

  describe('--watch', () => {
    const old = statusDoc({ manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-old' } });

    it('follows the stacks with resources in progress until ready', async () => {
      // Prepare
      stackdropWithoutProjectStacks();
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-new' });
      const provisioning = statusDoc({
        manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-new' },
        phase: 'provisioning',
        updatedAt: at(5).toISOString(),
        stacks: { network: { status: 'CREATE_IN_PROGRESS', startedAt: at(2).toISOString() } },
      });
      const ready = statusDoc({
        manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-new' },
        phase: 'ready',
        updatedAt: at(1200).toISOString(),
        stacks: {
          network: {
            status: 'CREATE_COMPLETE',
            startedAt: at(2).toISOString(),
            finishedAt: at(152).toISOString(),
          },
          database: {
            status: 'CREATE_COMPLETE',
            startedAt: at(152).toISOString(),
            finishedAt: at(1052).toISOString(),
          },
        },
        outputs: { Url: 'http://acme-alb.eu-west-1.elb.amazonaws.com' },
      });
      s3.on(GetObjectCommand)
        .resolvesOnce(objectBody(JSON.stringify(old)))
        .resolvesOnce(objectBody(JSON.stringify(old)))
        .resolvesOnce(objectBody(JSON.stringify(provisioning)))
        .resolves(objectBody(JSON.stringify(ready)));
      cfn.on(DescribeStackEventsCommand, { StackName: 'stackdrop-acme-production-network' }).resolves({
        StackEvents: [
          {
            StackId: 's',
            EventId: '3',
            StackName: 'n',
            LogicalResourceId: 'NatGatewayA',
            ResourceType: 'AWS::EC2::NatGateway',
            ResourceStatus: 'CREATE_IN_PROGRESS',
            Timestamp: at(4),
          },
          {
            StackId: 's',
            EventId: '2',
            StackName: 'n',
            LogicalResourceId: 'Vpc',
            ResourceType: 'AWS::EC2::VPC',
            ResourceStatus: 'CREATE_COMPLETE',
            Timestamp: at(4),
          },
          {
            StackId: 's',
            EventId: '1',
            StackName: 'n',
            LogicalResourceId: 'Vpc',
            ResourceType: 'AWS::EC2::VPC',
            ResourceStatus: 'CREATE_IN_PROGRESS',
            Timestamp: at(3),
          },
          {
            StackId: 's',
            EventId: '0',
            StackName: 'n',
            LogicalResourceId: 'OldThing',
            ResourceType: 'AWS::EC2::VPC',
            ResourceStatus: 'CREATE_IN_PROGRESS',
            Timestamp: at(-60),
          },
        ],
      });
      const h = harness();
      writeManifest(h.deps.cwd);
      // Act
      const result = await h.run('deploy', 'acme.yaml', '--watch');
      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toMatchInlineSnapshot(`
        "✓ uploaded s3://stackdrop-bucket/manifests/acme-production.yaml (version v-new)
        acme/production: waiting for stackdrop to start…
        acme/production  provisioning
          network   CREATE_IN_PROGRESS  — NAT gateway
        acme/production  ready
          network   CREATE_COMPLETE  2m 30s
          database  CREATE_COMPLETE  15m 00s
        ✓ acme/production ready after 10s
          http://acme-alb.eu-west-1.elb.amazonaws.com
        "
      `);
      expect(result.stdout).not.toContain('\u001b');
    });

    it('on failure names the first failed resource and its reason, exit 2', async () => {
      stackdropWithoutProjectStacks();
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-new' });
      const failed = statusDoc({
        manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-new' },
        phase: 'failed',
        updatedAt: at(900).toISOString(),
        stacks: {
          network: { status: 'CREATE_COMPLETE' },
          database: { status: 'ROLLBACK_COMPLETE', stackName: 'stackdrop-acme-production-database' },
        },
        error: { stage: 'database', code: 'StackFailed', message: 'stack rolled back' },
      });
      s3.on(GetObjectCommand)
        .resolvesOnce(objectBody(JSON.stringify(old)))
        .resolves(objectBody(JSON.stringify(failed)));
      cfn.on(DescribeStackEventsCommand, { StackName: 'stackdrop-acme-production-database' }).resolves({
        StackEvents: [
          {
            StackId: 's',
            EventId: '4',
            StackName: 'd',
            LogicalResourceId: 'stackdrop-acme-production-database',
            ResourceType: 'AWS::CloudFormation::Stack',
            ResourceStatus: 'ROLLBACK_IN_PROGRESS',
            Timestamp: at(60),
          },
          {
            StackId: 's',
            EventId: '3',
            StackName: 'd',
            LogicalResourceId: 'Writer',
            ResourceType: 'AWS::RDS::DBInstance',
            ResourceStatus: 'CREATE_FAILED',
            ResourceStatusReason: 'Resource creation cancelled',
            Timestamp: at(59),
          },
          {
            StackId: 's',
            EventId: '2',
            StackName: 'd',
            LogicalResourceId: 'Cluster',
            ResourceType: 'AWS::RDS::DBCluster',
            ResourceStatus: 'CREATE_FAILED',
            ResourceStatusReason: 'The engine version 8.0.mysql_aurora.9.9.9 is not supported',
            Timestamp: at(58),
          },
        ],
      });
      const h = harness();
      writeManifest(h.deps.cwd);
      const result = await h.run('deploy', 'acme.yaml', '--watch');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        '✗ acme/production failed in database (stackdrop-acme-production-database) — Aurora cluster Cluster (AWS::RDS::DBCluster): The engine version 8.0.mysql_aurora.9.9.9 is not supported (after 0s)\n',
      );
    });

    it('says when the server rejected the manifest, with every error', async () => {
      stackdropWithoutProjectStacks();
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-new' });
      const rejected = statusDoc({
        manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-new' },
        phase: 'failed',
        updatedAt: at(3).toISOString(),
        errors: [{ path: 'app.repository', message: 'is owned by another project', line: 9 }],
      });
      s3.on(GetObjectCommand)
        .rejectsOnce(noStatus)
        .resolves(objectBody(JSON.stringify(rejected)));
      const h = harness();
      writeManifest(h.deps.cwd);
      const result = await h.run('deploy', 'acme.yaml', '--watch', '--json');
      expect(result.code).toBe(2);
      const body = JSON.parse(result.stdout);
      expect(body.phase).toBe('failed');
      expect(body.reason).toBe(
        'stackdrop rejected the manifest: app.repository: is owned by another project',
      );
      expect(body.upload.versionId).toBe('v-new');
    });

    it('stops when a newer manifest supersedes this one, exit 2', async () => {
      stackdropWithoutProjectStacks();
      s3.on(PutObjectCommand).resolves({ VersionId: 'v-new' });
      const newer = statusDoc({
        manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-newer' },
        phase: 'provisioning',
        updatedAt: at(30).toISOString(),
      });
      s3.on(GetObjectCommand)
        .resolvesOnce(objectBody(JSON.stringify(old)))
        .resolves(objectBody(JSON.stringify(newer)));
      const h = harness();
      writeManifest(h.deps.cwd);
      const result = await h.run('deploy', 'acme.yaml', '--watch');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /a newer manifest \(version v-newer\) replaced version v-new before it was provisioned/,
      );
    });
  });
});

describe('provisioningSettled', () => {
  const upload = {
    project: 'acme',
    environment: 'production',
    bucket: 'b',
    key: 'k',
    versionId: 'v2',
    uploadedAt: START.toISOString(),
  };

  it('ignores the previous run still saying ready', () => {
    expect(
      provisioningSettled(statusDoc({ manifest: { key: 'k', versionId: 'v1' } }), upload, 'v1'),
    ).toBeUndefined();
  });

  it('without versions, goes by the time of the upload', () => {
    const unversioned = { ...upload, versionId: undefined };
    expect(
      provisioningSettled(statusDoc({ updatedAt: at(-1).toISOString() }), unversioned, undefined),
    ).toBeUndefined();
    expect(provisioningSettled(statusDoc({ updatedAt: at(1).toISOString() }), unversioned, undefined)).toBe(
      'ready',
    );
  });
});

describe('withReplacementAllowed', () => {
  it('sets the flag in JSON manifests too', () => {
    expect(JSON.parse(withReplacementAllowed('{"version":1,"project":"acme"}', 'json'))).toEqual({
      version: 1,
      project: 'acme',
      database: { allowReplacement: true },
    });
  });
});
