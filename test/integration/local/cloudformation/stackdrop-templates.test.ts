import { readFileSync } from 'node:fs';
import {
  type Capability,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type Stack,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatLivePlan, planLive } from '#cli/commands/plan.ts';
import { makeStyle } from '#cli/ui.ts';
import { type Manifest, validateManifestObject } from '#shared/manifest/index.ts';
import type { Stage } from '#shared/naming.ts';
import { stackTemplateText } from '#shared/provision/templates.ts';
import {
  OUTPUT_PARAMETERS,
  type OutputSource,
  type RenderedStack,
  renderStacks,
  type StageOutputs,
} from '#shared/render.ts';
import { type CfnHarness, eventTrail, settle, startCfnHarness } from './helpers.ts';

const example = parse(readFileSync('examples/laravel/stackdrop.yaml', 'utf8')) as Record<string, unknown>;

function manifestWith(change: (m: Record<string, unknown>) => void = () => {}): Manifest {
  const copy = structuredClone(example);
  change(copy);
  // The example's secrets sit under stackdrop/acme/production/; each project reads its own prefix.
  const app = copy.app as { secrets?: Record<string, string> };
  const prefix = `stackdrop/${copy.project}/${copy.environment ?? 'production'}/`;
  for (const [name, arn] of Object.entries(app.secrets ?? {}))
    app.secrets![name] = arn.replace('stackdrop/acme/production/', prefix);
  return validateManifestObject(copy);
}

const plainStyle = makeStyle(false);
let h: CfnHarness;
const outputs: StageOutputs = {};
const stackIds: Partial<Record<Stage, string>> = {};
/** Virtual milliseconds each stage took to create on its own. */
const createTimes: Partial<Record<Stage, number>> = {};

/** Virtual time from a stack's first event to its last. */
function operationTime(stackId: string): number {
  const events = h.engine.stacks.get(stackId)!.events;
  return events.at(-1)!.Timestamp.getTime() - events[0]!.Timestamp.getTime();
}

/** A template as the product sends it: inline up to CloudFormation's 51,200 bytes, else from S3. */
function templateSource(stack: RenderedStack): { TemplateBody: string } | { TemplateURL: string } {
  const { stage } = stack;
  const body = stackTemplateText(stack);
  if (Buffer.byteLength(body) <= 51_200) return { TemplateBody: body };
  const s3 = h.running.cloud.s3;
  if (!s3.buckets.has('rendered-templates')) s3.createBucket('rendered-templates');
  s3.putObject('rendered-templates', `${stage}.yaml`, body);
  return { TemplateURL: `${h.running.endpoint}/rendered-templates/${stage}.yaml` };
}

function rendered(manifest: Manifest, stage: Stage) {
  const stack = renderStacks(manifest, { outputs }).find((s) => s.stage === stage)!;
  return {
    StackName: stack.stackName,
    ...templateSource(stack),
    Parameters: Object.entries(stack.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Tags: stack.tags,
    Capabilities: ['CAPABILITY_NAMED_IAM'] as Capability[],
  };
}

async function describeStack(name: string): Promise<Stack> {
  const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: name }));
  return Stacks![0]!;
}

beforeAll(async () => {
  h = await startCfnHarness();
});

afterAll(async () => {
  await h.stop();
});

describe('the stackdrop templates on the local cloud', () => {
  it('creates network, database, edge and app in order, each from the previous outputs', async () => {
    const manifest = manifestWith();
    for (const stage of ['network', 'database', 'edge', 'app'] as const) {
      // Act
      const request = rendered(manifest, stage);
      const { StackId } = await h.cfn.send(
        new CreateStackCommand({ ...request, EnableTerminationProtection: stage === 'database' }),
      );
      await settle(h, request.StackName);

      // Assess
      const stack = await describeStack(request.StackName);
      expect({ stage, status: stack.StackStatus }).toEqual({ stage, status: 'CREATE_COMPLETE' });
      stackIds[stage] = StackId!;
      createTimes[stage] = operationTime(StackId!);
      outputs[stage] = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
    }
    expect(outputs.network?.AvailabilityZones).toBe('eu-west-1a,eu-west-1b');
    expect(outputs.database?.WriterEndpoint).toMatch(/^stackdrop-acme-[a-z0-9-]+\.cluster-/);
    expect(outputs.app?.WebServiceName).toBeTruthy();
  });

  it('makes the stacks real objects in the service models', async () => {
    const ec2 = new EC2Client(h.clientConfig);
    const rds = new RDSClient(h.clientConfig);
    const ecs = new ECSClient(h.clientConfig);
    const elb = new ElasticLoadBalancingV2Client(h.clientConfig);
    try {
      const subnets = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [outputs.network!.VpcId!] }] }),
      );
      expect(subnets.Subnets).toHaveLength(6);
      const clusters = await rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: outputs.database!.ClusterIdentifier }),
      );
      expect(clusters.DBClusters?.[0]).toMatchObject({
        Status: 'available',
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
      });
      expect(clusters.DBClusters?.[0]?.DBClusterMembers).toHaveLength(2);
      const services = await ecs.send(
        new DescribeServicesCommand({
          cluster: outputs.edge!.ClusterName,
          services: [outputs.app!.WebServiceName!],
        }),
      );
      expect(services.services?.[0]?.status).toBe('ACTIVE');
      const lbs = await elb.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [outputs.edge!.LoadBalancerArn!] }),
      );
      expect(lbs.LoadBalancers?.[0]?.DNSName).toBe(outputs.edge!.LoadBalancerDnsName);
    } finally {
      for (const client of [ec2, rds, ecs, elb]) client.destroy();
    }
  });

  it('answers a no-op update with "No updates are to be performed."', async () => {
    await expect(
      h.cfn.send(new UpdateStackCommand(rendered(manifestWith(), 'network'))),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'No updates are to be performed.',
    });
  });

  describe('change sets for the synthesised app stack (what `stackdrop plan --live` shows)', () => {
    /** `stackdrop plan --live` for the app stage only, against this local cloud. */
    async function planApp(manifest: Manifest) {
      const s3 = new S3Client({ ...h.clientConfig, forcePathStyle: true });
      if (!h.running.cloud.s3.buckets.has('plan-bucket')) h.running.cloud.s3.createBucket('plan-bucket');
      try {
        const live = await planLive(manifest, {
          cfn: h.cfn,
          s3,
          bucket: 'plan-bucket',
          endpoint: h.running.endpoint,
          region: h.running.cloud.region,
          sleep: async () => {},
          pollMs: 0,
          only: ['app'],
        });
        const app = live.stacks.find((p) => p.stage === 'app')!;
        const changes = app.changes
          .map((c) => `${c.action} ${c.logicalId}${c.replacement === 'True' ? ' (replace)' : ''}`)
          .sort();
        return { app, changes, text: formatLivePlan(live, plainStyle).join('\n') };
      } finally {
        s3.destroy();
      }
    }

    it('changes one environment variable: only the task definitions (new revisions) and their services', async () => {
      // Act
      const { app, changes, text } = await planApp(
        manifestWith(
          (m) => ((m.app as { environment: Record<string, string> }).environment.APP_DEBUG = 'true'),
        ),
      );

      // Assess: every container holds every variable, so each task definition gets a new revision
      // (ECS task definitions are immutable) and each service moves to it; nothing else changes.
      expect(app.mode).toBe('update');
      expect(changes).toEqual([
        'Modify ReleaseTaskDefinition (replace)',
        'Modify SchedulerService',
        'Modify SchedulerTaskDefinition (replace)',
        'Modify WebService',
        'Modify WebTaskDefinition (replace)',
        'Modify WorkerDefaultService',
        'Modify WorkerDefaultTaskDefinition (replace)',
      ]);
      expect(text).toContain('0 to add, 7 to change, 0 to remove, 4 replaced');
      expect(text).toMatch(/± WebTaskDefinition {2}task definition REPLACE/);
      expect(text).toMatch(/~ WebService {2}ECS service\n/);
      expect(text).not.toMatch(/Alarm|Dashboard|Policy/);
    });

    it('adds a worker: its task definition, service and two alarms, plus its series on the dashboard', async () => {
      // Act
      const { changes, text } = await planApp(
        manifestWith((m) =>
          (m.app as { workers: unknown[] }).workers.push({
            name: 'reports',
            command: ['php', 'artisan', 'queue:work', '--queue=reports'],
          }),
        ),
      );

      // Assess: no other service or task definition is touched.
      expect(changes).toEqual([
        'Add WorkerReportsCpuAlarm',
        'Add WorkerReportsMemoryAlarm',
        'Add WorkerReportsService',
        'Add WorkerReportsTaskDefinition',
        'Modify Dashboard',
      ]);
      expect(text).toContain('4 to add, 1 to change, 0 to remove, 0 replaced');
      expect(text).toMatch(/\+ WorkerReportsService {2}ECS service/);
    });
  });

  it('updates the database in place when the backup retention changes', async () => {
    // Act
    const request = rendered(
      manifestWith((m) => ((m.database as Record<string, unknown>).backupRetentionDays = 14)),
      'database',
    );
    await h.cfn.send(new UpdateStackCommand(request));
    await settle(h, request.StackName);

    // Assess
    expect((await describeStack(request.StackName)).StackStatus).toBe('UPDATE_COMPLETE');
    const cluster = h.running.cloud.rds.cluster(outputs.database!.ClusterIdentifier!);
    expect(cluster.BackupRetentionPeriod).toBe(14);
    expect((await eventTrail(h.cfn, request.StackName)).filter((l) => l.startsWith('Cluster '))).toEqual([
      'Cluster CREATE_IN_PROGRESS',
      'Cluster CREATE_IN_PROGRESS (Resource creation Initiated)',
      'Cluster CREATE_COMPLETE',
      'Cluster UPDATE_IN_PROGRESS',
      'Cluster UPDATE_COMPLETE',
    ]);
  });

  it('rolls a failed update back and leaves the stack updatable', async () => {
    // Prepare
    h.running.cloud.faults.failResource({
      logicalId: 'Cluster',
      action: 'update',
      reason: 'Insufficient capacity',
    });
    const request = rendered(
      manifestWith((m) => ((m.database as Record<string, unknown>).backupRetentionDays = 21)),
      'database',
    );

    // Act
    await h.cfn.send(new UpdateStackCommand(request));
    await settle(h, request.StackName);

    // Assess
    const stack = await describeStack(request.StackName);
    expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stack.Parameters?.find((p) => p.ParameterKey === 'BackupRetentionDays')?.ParameterValue).toBe(
      '14',
    );
    expect(h.running.cloud.rds.cluster(outputs.database!.ClusterIdentifier!).BackupRetentionPeriod).toBe(14);
    expect(await eventTrail(h.cfn, request.StackName)).toContain(
      'Cluster UPDATE_FAILED (Insufficient capacity)',
    );
  });

  it('rolls back a failed creation of a fresh network stack', async () => {
    // Prepare
    h.running.cloud.faults.failResource({ type: 'AWS::EC2::NatGateway', reason: 'NatGatewayLimitExceeded' });
    const manifest = manifestWith((m) => {
      m.project = 'beta';
      (m.network as Record<string, unknown>).cidr = '10.50.0.0/16';
    });
    const request = rendered(manifest, 'network');

    // Act
    await h.cfn.send(new CreateStackCommand(request));
    await settle(h, request.StackName);

    // Assess
    const stack = await describeStack(request.StackName);
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect([...h.running.cloud.ec2.vpcs.values()].some((v) => v.CidrBlock === '10.50.0.0/16')).toBe(false);
  });

  it('rolls back a database stack whose cluster never got created to ROLLBACK_COMPLETE', async () => {
    // Prepare
    h.running.cloud.faults.failResource({
      logicalId: 'Cluster',
      action: 'create',
      reason: 'InsufficientDBClusterCapacity',
      times: 1,
    });
    const request = rendered(
      manifestWith((m) => {
        m.project = 'gamma';
      }),
      'database',
    );

    // Act
    await h.cfn.send(new CreateStackCommand(request));
    await settle(h, request.StackName);

    // Assess
    expect((await describeStack(request.StackName)).StackStatus).toBe('ROLLBACK_COMPLETE');
    const trail = (await eventTrail(h.cfn, request.StackName)).filter((l) => l.startsWith('Cluster '));
    expect(trail).toEqual([
      'Cluster CREATE_IN_PROGRESS',
      'Cluster CREATE_IN_PROGRESS (Resource creation Initiated)',
      'Cluster CREATE_FAILED (InsufficientDBClusterCapacity)',
      'Cluster DELETE_COMPLETE',
    ]);
    const clusters = [...h.running.cloud.rds.clusters.keys()].filter((id) => id.includes('gamma'));
    expect(clusters).toEqual([]);
  });

  it('tears down app, database (leaving a final snapshot) and network', async () => {
    // App first.
    await h.cfn.send(new DeleteStackCommand({ StackName: 'stackdrop-acme-production-app' }));
    await settle(h, stackIds.app!);
    expect((await describeStack(stackIds.app!)).StackStatus).toBe('DELETE_COMPLETE');

    // The database is protected twice: termination protection, then the cluster's deletion protection.
    await expect(
      h.cfn.send(new DeleteStackCommand({ StackName: 'stackdrop-acme-production-database' })),
    ).rejects.toMatchObject({
      message:
        'Stack [stackdrop-acme-production-database] cannot be deleted while TerminationProtection is enabled',
    });
    await h.cfn.send(
      new UpdateTerminationProtectionCommand({
        StackName: 'stackdrop-acme-production-database',
        EnableTerminationProtection: false,
      }),
    );
    await h.cfn.send(new DeleteStackCommand({ StackName: 'stackdrop-acme-production-database' }));
    await settle(h, stackIds.database!);
    const blocked = await describeStack(stackIds.database!);
    expect(blocked.StackStatus).toBe('DELETE_FAILED');
    const rds = new RDSClient(h.clientConfig);
    try {
      await rds.send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: outputs.database!.ClusterIdentifier,
          DeletionProtection: false,
        }),
      );
      await h.cfn.send(new DeleteStackCommand({ StackName: stackIds.database }));
      await settle(h, stackIds.database!);
      expect((await describeStack(stackIds.database!)).StackStatus).toBe('DELETE_COMPLETE');
      const snapshots = await rds.send(
        new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: outputs.database!.ClusterIdentifier }),
      );
      expect(snapshots.DBClusterSnapshots).toHaveLength(1);
    } finally {
      rds.destroy();
    }

    // Edge keeps its Retain bucket; the network goes last.
    await h.cfn.send(new DeleteStackCommand({ StackName: 'stackdrop-acme-production-edge' }));
    await settle(h, stackIds.edge!);
    await h.cfn.send(new DeleteStackCommand({ StackName: 'stackdrop-acme-production-network' }));
    await settle(h, stackIds.network!);
    expect((await describeStack(stackIds.edge!)).StackStatus).toBe('DELETE_COMPLETE');
    expect((await describeStack(stackIds.network!)).StackStatus).toBe('DELETE_COMPLETE');
    expect(h.running.cloud.s3.buckets.has(outputs.edge!.AppBucketName!)).toBe(true);
    expect([...h.running.cloud.ec2.vpcs.keys()]).not.toContain(outputs.network!.VpcId);
  });
});

describe('the stackdrop templates as nested stacks of one parent', () => {
  it('overlap edge with the database: the makespan is network + database + app', async () => {
    // Prepare: the four templates in the local S3, wired through Outputs.X attributes.
    const s3 = h.running.cloud.s3;
    s3.createBucket('stackdrop-templates');
    const logicalIds: Record<Stage, string> = {
      network: 'Network',
      database: 'Database',
      edge: 'Edge',
      app: 'App',
    };
    const resources: Record<string, unknown> = {};
    for (const stack of renderStacks(
      manifestWith((m) => (m.project = 'nested')),
      {},
    )) {
      s3.putObject('stackdrop-templates', `${stack.stage}.yaml`, stackTemplateText(stack));
      const sources = OUTPUT_PARAMETERS[stack.stage] as Record<string, OutputSource>;
      const parameters = Object.fromEntries(
        Object.entries(stack.parameters).map(([key, value]) => {
          const source = sources[key];
          return [
            key,
            source ? { 'Fn::GetAtt': [logicalIds[source.stage], `Outputs.${source.output}`] } : value,
          ];
        }),
      );
      resources[logicalIds[stack.stage]] = {
        Type: 'AWS::CloudFormation::Stack',
        Properties: {
          TemplateURL: `https://stackdrop-templates.s3.eu-west-1.amazonaws.com/${stack.stage}.yaml`,
          Parameters: parameters,
        },
      };
    }

    // Act
    const { StackId } = await h.cfn.send(
      new CreateStackCommand({
        StackName: 'stackdrop-nested',
        TemplateBody: JSON.stringify({ Resources: resources }),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await settle(h, StackId!);

    // Assess
    expect((await describeStack(StackId!)).StackStatus).toBe('CREATE_COMPLETE');
    const serial = createTimes.network! + createTimes.database! + createTimes.edge! + createTimes.app!;
    const criticalPath = createTimes.network! + createTimes.database! + createTimes.app!;
    expect(operationTime(StackId!)).toBe(criticalPath);
    expect(operationTime(StackId!)).toBeLessThan(serial);
  });
});
