import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatLivePlan, planLive, summariseChanges } from '#cli/commands/plan.ts';
import { createUi } from '#cli/ui.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { synthAppTemplate } from '#shared/synth/app/index.ts';
import { harness, objectBody, stackdropStack, stackMissing, statusDoc, VALID_MANIFEST } from './helpers.ts';
import { preflightMocks } from './preflight-mocks.ts';

const cfn = mockClient(CloudFormationClient);
const preflight = preflightMocks();
const s3 = mockClient(S3Client);
// The Price List API refuses (a user without pricing:GetProducts): the estimate falls back per line.
const pricing = mockClient(PricingClient);

const manifest = parseManifestOrThrow(VALID_MANIFEST, 'acme.yaml');
const TEMPLATES: Record<string, string> = {
  'templates/network.yaml':
    'Resources:\n  Vpc: { Type: AWS::EC2::VPC }\n  Nat: { Type: AWS::EC2::NatGateway }\n',
  'templates/database.yaml':
    'Resources:\n  Cluster: { Type: AWS::RDS::DBCluster }\n  Writer: { Type: AWS::RDS::DBInstance }\n',
  'templates/edge.yaml': 'Resources:\n  LoadBalancer: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer }\n',
  'templates/app.yaml': 'Resources:\n  Web: { Type: AWS::ECS::Service }\n',
};
const readTemplate = async (file: string) => TEMPLATES[file]!;
const noSleep = async () => {};
const plainStyle = createUi({ write: () => true }, { write: () => true }, {}).style;

function liveStack(stage: string, outputs: Record<string, string> = {}) {
  return {
    Stacks: [
      {
        StackName: `stackdrop-acme-production-${stage}`,
        StackStatus: 'CREATE_COMPLETE' as const,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

function allStacksExist() {
  cfn
    .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' })
    .resolves(liveStack('network', { VpcId: 'vpc-1', IsolatedSubnetIds: 'subnet-a,subnet-b' }));
  cfn
    .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' })
    .resolves(liveStack('database'));
  cfn
    .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-edge' })
    .resolves(
      liveStack('edge', { RepositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-production' }),
    );
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-app' }).resolves(liveStack('app'));
}

const noChanges = {
  Status: 'FAILED' as const,
  StatusReason:
    "The submitted information didn't contain changes. Submit different information to create a change set.",
};
const replaceCluster = {
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
    {
      Type: 'Resource' as const,
      ResourceChange: {
        Action: 'Modify' as const,
        LogicalResourceId: 'Writer',
        ResourceType: 'AWS::RDS::DBInstance',
        Replacement: 'Conditional' as const,
      },
    },
    {
      Type: 'Resource' as const,
      ResourceChange: {
        Action: 'Add' as const,
        LogicalResourceId: 'Reader2',
        ResourceType: 'AWS::RDS::DBInstance',
      },
    },
  ],
};

beforeEach(() => {
  cfn.reset();
  s3.reset();
  pricing.reset();
  pricing.on(GetProductsCommand).rejects(
    Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), {
      name: 'AccessDeniedException',
    }),
  );
  preflight.healthy();
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('missing'), { name: 'NoSuchKey' }));
});

describe('plan (offline)', () => {
  it('renders every stage with its parameters, --json', async () => {
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.project).toBe('acme');
    expect(body.stacks.map((s: { stage: string }) => s.stage)).toEqual([
      'network',
      'database',
      'edge',
      'app',
    ]);
    expect(body.stacks[1]).toMatchObject({
      stackName: 'stackdrop-acme-production-database',
      templateFile: 'templates/database.yaml',
      dependsOn: ['network'],
      parameters: { Engine: 'aurora-mysql', IsolatedSubnetIds: '<network.IsolatedSubnetIds>' },
      tags: { 'stackdrop:project': 'acme', 'stackdrop:managed': 'true' },
    });
    expect(cfn.calls()).toHaveLength(0);
  });

  it('prints each stage and its parameters for a person', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^network {2}stackdrop-acme-production-network {2}\(templates\/network\.yaml; first\)\n {2}Project +acme\n/,
    );
    expect(result.stdout).toMatch(
      /\ndatabase {2}stackdrop-acme-production-database {2}\(templates\/database\.yaml; needs network\)/,
    );
  });

  it('flags plain HTTP in production and secrets read outside the project prefix', async () => {
    // Prepare: VALID_MANIFEST is acme/production with allowPlainHttp.
    const h = harness();
    const external = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/mail';
    writeFileSync(
      join(h.deps.cwd, 'acme.yaml'),
      `${VALID_MANIFEST}  externalSecrets: true\n  secrets:\n    MAIL_PASSWORD: ${external}\n`,
    );

    // Act
    const text = await h.run('plan', 'acme.yaml');
    const json = JSON.parse((await h.run('plan', 'acme.yaml', '--json')).stdout);

    // Assess
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('! app.allowPlainHttp: acme/production serves plain HTTP (no certificate)');
    expect(text.stderr).toContain(
      `! app.secrets.MAIL_PASSWORD: MAIL_PASSWORD reads ${external} (granted as <arn>-??????)`,
    );
    expect(json.notices.map((n: { path: string }) => n.path)).toEqual([
      'app.allowPlainHttp',
      'app.secrets.MAIL_PASSWORD',
    ]);
  });

  it('does not flag plain HTTP in an environment named like staging or dev', async () => {
    const h = harness();
    writeFileSync(
      join(h.deps.cwd, 'acme.yaml'),
      VALID_MANIFEST.replace('environment: production', 'environment: staging'),
    );
    const result = await h.run('plan', 'acme.yaml');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('shows the synthesised app template by what it holds, with no slot parameters', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml');
    expect(result.stdout).not.toContain('(empty)');
    expect(result.stdout).not.toMatch(/Worker\d+(Name|Cpu)|Env\d+Name|Secret\d+Name|slot/);
    expect(result.stdout).toMatch(
      /synthesised from the manifest: \d+ resources \(\d+ task definitions, \d+ services, \d+ alarms\), \d+ bytes/,
    );
    expect(result.stdout.split('\n').length).toBeLessThan(100);
  });

  it('keeps the template text out of plan --json', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--json');
    const stacks = (JSON.parse(result.stdout) as { stacks: Record<string, unknown>[] }).stacks;
    expect(stacks.map((s) => s.stage)).toEqual(['network', 'database', 'edge', 'app']);
    for (const stack of stacks) expect(stack).not.toHaveProperty('templateBody');
  });

  it('refuses an invalid manifest, exit 1', async () => {
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), 'version: 2\n');
    expect((await h.run('plan', 'acme.yaml', '--live')).code).toBe(1);
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('planLive', () => {
  it('plans a new project with a CREATE change set for the network and removes the empty stack again', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).rejects(stackMissing('x'));
    cfn
      .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' })
      .rejectsOnce(stackMissing('network'))
      .resolves({
        Stacks: [
          {
            StackName: 'stackdrop-acme-production-network',
            StackStatus: 'REVIEW_IN_PROGRESS',
            CreationTime: new Date(),
          },
        ],
      });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs-1' });
    cfn
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_IN_PROGRESS' })
      .resolves({
        Status: 'CREATE_COMPLETE',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: { Action: 'Add', LogicalResourceId: 'Vpc', ResourceType: 'AWS::EC2::VPC' },
          },
          {
            Type: 'Resource',
            ResourceChange: { Action: 'Add', LogicalResourceId: 'Nat', ResourceType: 'AWS::EC2::NatGateway' },
          },
        ],
      });
    // Act
    const plan = await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'b',
      sleep: noSleep,
      readTemplate,
    });
    // Assess
    expect(cfn).toHaveReceivedCommandWith(CreateChangeSetCommand, {
      StackName: 'stackdrop-acme-production-network',
      ChangeSetType: 'CREATE',
      TemplateBody: TEMPLATES['templates/network.yaml'],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    });
    const created = cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input;
    expect(created.Parameters).toContainEqual({ ParameterKey: 'VpcCidr', ParameterValue: '10.40.0.0/16' });
    expect(created.Tags).toContainEqual({ Key: 'stackdrop:project', Value: 'acme' });
    expect(cfn).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      StackName: 'stackdrop-acme-production-network',
      ChangeSetName: created.ChangeSetName,
    });
    expect(cfn).toHaveReceivedCommandWith(DeleteStackCommand, {
      StackName: 'stackdrop-acme-production-network',
    });
    expect(cfn).toHaveReceivedCommandTimes(CreateChangeSetCommand, 1);
    expect(plan.stacks.map((s) => [s.stage, s.mode, s.adds])).toEqual([
      ['network', 'create', 2],
      ['database', 'pending', 2],
      ['edge', 'pending', 1],
      ['app', 'pending', Object.keys(synthAppTemplate(manifest).Resources).length],
    ]);
    expect(plan.stacks[3]!.note).toMatch(/created after network and database and edge/);
    expect(plan.databaseReplacement).toBe(false);
  });

  it('never deletes a real stack after a CREATE change set', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('x'));
    cfn
      .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' })
      .rejectsOnce(stackMissing('network'))
      .resolves({
        Stacks: [
          {
            StackName: 'stackdrop-acme-production-network',
            StackStatus: 'CREATE_IN_PROGRESS',
            CreationTime: new Date(),
          },
        ],
      });
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'b',
      sleep: noSleep,
      readTemplate,
    });
    expect(cfn).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('flags a replacement of the Aurora cluster and passes the live outputs and image on', async () => {
    allStacksExist();
    s3.on(GetObjectCommand).resolves(
      objectBody(
        JSON.stringify(
          statusDoc({
            deploys: [
              {
                id: 'd1',
                repository: 'acme-production',
                digest: 'sha256:aaa',
                startedAt: '2026-11-26T05:00:00Z',
                outcome: 'succeeded',
              },
            ],
          }),
        ),
      ),
    );
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    cfn
      .on(DescribeChangeSetCommand, { StackName: 'stackdrop-acme-production-database' })
      .resolves(replaceCluster);
    const plan = await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'b',
      sleep: noSleep,
      readTemplate,
    });
    expect(plan.databaseReplacement).toBe(true);
    expect(plan.stacks.map((s) => [s.stage, s.mode, s.adds, s.modifies, s.replacements])).toEqual([
      ['network', 'update', 0, 0, 0],
      ['database', 'update', 1, 2, 2],
      ['edge', 'update', 0, 0, 0],
      ['app', 'update', 0, 0, 0],
    ]);
    const calls = cfn.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input);
    expect(calls.every((c) => c.ChangeSetType === 'UPDATE')).toBe(true);
    const database = calls.find((c) => c.StackName === 'stackdrop-acme-production-database')!;
    expect(database.Parameters).toContainEqual({
      ParameterKey: 'IsolatedSubnetIds',
      ParameterValue: 'subnet-a,subnet-b',
    });
    const app = calls.find((c) => c.StackName === 'stackdrop-acme-production-app')!;
    expect(app.Parameters).toContainEqual({
      ParameterKey: 'ImageUri',
      ParameterValue: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-production@sha256:aaa',
    });
    expect(cfn).toHaveReceivedCommandTimes(DeleteChangeSetCommand, 4);
    expect(cfn).not.toHaveReceivedCommand(DeleteStackCommand);
    expect(formatLivePlan(plan, plainStyle).join('\n')).toMatchInlineSnapshot(`
      "stackdrop-acme-production-network  (update)  0 to add, 0 to change, 0 to remove, 0 replaced
        no changes
      stackdrop-acme-production-database  (update)  1 to add, 2 to change, 0 to remove, 2 replaced
        ± Cluster  Aurora cluster REPLACE
        ± Writer  Aurora instance REPLACE (conditional)
        + Reader2  Aurora instance
      stackdrop-acme-production-edge  (update)  0 to add, 0 to change, 0 to remove, 0 replaced
        no changes
      stackdrop-acme-production-app  (update)  0 to add, 0 to change, 0 to remove, 0 replaced
        no changes

      !! WARNING: this plan REPLACES the Aurora database cluster.
      !! A new, empty cluster is created; the old one is snapshotted and removed. Your data stays only in that snapshot.
      !! \`stackdrop deploy\` refuses this unless you pass --allow-db-replacement (or set database.allowReplacement: true)."
    `);
  });

  it('reads every page of a change set', async () => {
    allStacksExist();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    cfn.on(DescribeChangeSetCommand, { StackName: 'stackdrop-acme-production-edge' }).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'LoadBalancer',
            ResourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
            Replacement: 'False',
          },
        },
      ],
      NextToken: 'page-2',
    });
    cfn
      .on(DescribeChangeSetCommand, { StackName: 'stackdrop-acme-production-edge', NextToken: 'page-2' })
      .resolves({
        Status: 'CREATE_COMPLETE',
        Changes: [
          {
            Type: 'Resource',
            ResourceChange: {
              Action: 'Remove',
              LogicalResourceId: 'OldRule',
              ResourceType: 'AWS::ElasticLoadBalancingV2::ListenerRule',
            },
          },
        ],
      });
    const plan = await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'b',
      sleep: noSleep,
      readTemplate,
      only: ['edge'],
    });
    expect(plan.stacks).toHaveLength(1);
    expect(plan.stacks[0]).toMatchObject({ stage: 'edge', modifies: 1, removes: 1, replacements: 0 });
  });

  it('reports a change set CloudFormation could not create, and still deletes it', async () => {
    allStacksExist();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason: 'Parameter validation failed: parameter value vpc-9 does not exist',
    });
    await expect(
      planLive(manifest, {
        cfn: new CloudFormationClient({}),
        s3: new S3Client({}),
        bucket: 'b',
        sleep: noSleep,
        readTemplate,
        only: ['edge'],
      }),
    ).rejects.toThrow(
      'CloudFormation could not plan stackdrop-acme-production-edge: Parameter validation failed: parameter value vpc-9 does not exist',
    );
    expect(cfn).toHaveReceivedCommandWith(DeleteChangeSetCommand, {
      StackName: 'stackdrop-acme-production-edge',
    });
  });

  it('passes a template over 51,200 bytes through the bucket and deletes it afterwards', async () => {
    allStacksExist();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    const big = `${TEMPLATES['templates/edge.yaml']}# ${'x'.repeat(60_000)}\n`;
    await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'stackdrop-bucket',
      region: 'eu-west-1',
      sleep: noSleep,
      readTemplate: async () => big,
      only: ['edge'],
    });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Key).toMatch(/^plans\/acme-production\/edge-[0-9a-f]{8}\.yaml$/);
    expect(cfn).toHaveReceivedCommandWith(CreateChangeSetCommand, {
      TemplateURL: `https://stackdrop-bucket.s3.eu-west-1.amazonaws.com/${put.Key}`,
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: 'stackdrop-bucket', Key: put.Key });
  });
});

describe('plan --live after a failed first run', () => {
  it('plans a stack left in ROLLBACK_COMPLETE as recreated, as provisioning does, without an UPDATE change set', async () => {
    // Prepare: the network was created, the database's first run rolled back, nothing after it exists.
    cfn
      .on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' })
      .resolves(liveStack('network', { VpcId: 'vpc-1' }));
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-database' }).resolves({
      Stacks: [
        {
          StackName: 'stackdrop-acme-production-database',
          StackStatus: 'ROLLBACK_COMPLETE',
          CreationTime: new Date(),
        },
      ],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-edge' }).rejects(stackMissing('x'));
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-app' }).rejects(stackMissing('x'));
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    // Act
    const plan = await planLive(manifest, {
      cfn: new CloudFormationClient({}),
      s3: new S3Client({}),
      bucket: 'b',
      sleep: noSleep,
      readTemplate,
    });
    // Assess
    const database = plan.stacks.find((p) => p.stage === 'database')!;
    expect(database.mode).toBe('recreate');
    expect(database.adds).toBe(2);
    expect(database.note).toContain(
      'ROLLBACK_COMPLETE after a failed first run: provisioning deletes it and creates it again',
    );
    expect(plan.stacks.find((p) => p.stage === 'app')!.mode).toBe('pending');
    expect(cfn).not.toHaveReceivedCommandWith(CreateChangeSetCommand, {
      StackName: 'stackdrop-acme-production-database',
    });
    expect(plan.databaseReplacement).toBe(false);
  });
});

describe('plan --live (command)', () => {
  it('prints the JSON plan with the replacement flag', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
    allStacksExist();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    cfn
      .on(DescribeChangeSetCommand, { StackName: 'stackdrop-acme-production-database' })
      .resolves(replaceCluster);
    const h = harness({ readTemplate });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--live', '--json');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual([
      'project',
      'environment',
      'notices',
      'stacks',
      'live',
      'cost',
      'preflight',
    ]);
    expect(body.preflight.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(body.live.databaseReplacement).toBe(true);
    expect(body.live.stacks[1].changes[0]).toEqual({
      action: 'Modify',
      logicalId: 'Cluster',
      type: 'AWS::RDS::DBCluster',
      label: 'Aurora cluster',
      replacement: 'True',
    });
  });

  it('prints the preflight with each failure and its fix, exit 1', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
    allStacksExist();
    cfn.on(CreateChangeSetCommand).resolves({});
    cfn.on(DescribeChangeSetCommand).resolves(noChanges);
    preflight.rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [] });
    const h = harness({ readTemplate }, { env: { AWS_REGION: 'eu-west-1' } });
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--live');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Preflight against the account: 1 of');
    expect(result.stdout).toContain(
      '✗ engine version: aurora-mysql 8.0.mysql_aurora.3.10.3 is not available in eu-west-1',
    );
    expect(result.stdout).toMatch(
      /\n {6}fix: pick a version from `aws rds describe-db-engine-versions --engine aurora-mysql --region eu-west-1`/,
    );
    // No price list for the user: every line says it fell back, and why.
    expect(result.stdout).toContain('[price unknown for eu-west-1: us-east-1 table]');
    expect(result.stdout).toContain(
      'AWS Price List API: AccessDeniedException: User is not authorized to perform: pricing:GetProducts',
    );
    expect(result.stdout).not.toContain('[live]');
  });

  it('explains that stackdrop is not deployed, exit 1', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('stackdrop'));
    const h = harness();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--live');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /stackdrop is not deployed here \(no stack "stackdrop" in this account and region\): deploy it with `sam build && sam deploy --guided`/,
    );
  });
});

describe('summariseChanges', () => {
  it('counts a conditional replacement as a replacement', () => {
    const summary = summariseChanges([
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'Cluster',
          ResourceType: 'AWS::RDS::DBCluster',
          Replacement: 'Conditional',
        },
      },
    ]);
    expect(summary).toMatchObject({ modifies: 1, replacements: 1 });
  });
});
