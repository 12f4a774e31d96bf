import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CfnHarness, eventTrail, settle, startCfnHarness } from './helpers.ts';

const DATABASE = (name: string, retention: number) => `
Parameters:
  Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' }
Resources:
  SubnetGroup:
    Type: AWS::RDS::DBSubnetGroup
    Properties: { DBSubnetGroupDescription: db, SubnetIds: !Ref Subnets }
  Cluster:
    Type: AWS::RDS::DBCluster
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Snapshot
    Properties:
      Engine: aurora-mysql
      DatabaseName: ${name}
      MasterUsername: admin
      ManageMasterUserPassword: true
      StorageEncrypted: true
      BackupRetentionPeriod: ${retention}
      DBSubnetGroupName: !Ref SubnetGroup
  Writer:
    Type: AWS::RDS::DBInstance
    Properties: { DBClusterIdentifier: !Ref Cluster, DBInstanceClass: db.t4g.medium, Engine: aurora-mysql }
Outputs:
  Endpoint: { Value: !GetAtt Cluster.Endpoint.Address }
  Port: { Value: !GetAtt Cluster.Endpoint.Port }
  SecretArn: { Value: !GetAtt Cluster.MasterUserSecret.SecretArn }
`;

let h: CfnHarness;
let subnets: string;

async function waitForChangeSet(name: string, stack: string) {
  // Change sets settle after a couple of virtual seconds; the instant clock gets there when idle.
  for (;;) {
    const cs = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: name, StackName: stack }));
    if (cs.Status !== 'CREATE_PENDING' && cs.Status !== 'CREATE_IN_PROGRESS') return cs;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  h = await startCfnHarness();
  const ec2 = h.running.cloud.ec2;
  const vpc = ec2.createVpc({ CidrBlock: '10.9.0.0/16' });
  subnets = ['a', 'b']
    .map(
      (zone, i) =>
        ec2.createSubnet({
          VpcId: vpc.VpcId,
          CidrBlock: `10.9.${i}.0/24`,
          AvailabilityZone: `eu-west-1${zone}`,
        }).SubnetId,
    )
    .join(',');
});

afterAll(async () => {
  await h.stop();
});

describe('change sets', () => {
  it('creates a stack through a CREATE change set that lists every resource as Add', async () => {
    // Act
    const created = await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'db',
        ChangeSetName: 'initial',
        ChangeSetType: 'CREATE',
        TemplateBody: DATABASE('app', 7),
        Parameters: [{ ParameterKey: 'Subnets', ParameterValue: subnets }],
      }),
    );
    const review = await h.cfn.send(new DescribeStacksCommand({ StackName: 'db' }));
    const cs = await waitForChangeSet('initial', 'db');
    await h.cfn.send(
      new ExecuteChangeSetCommand({ ChangeSetName: created.Id, ClientRequestToken: 'exec-1' }),
    );
    await settle(h, 'db');

    // Assess
    expect(review.Stacks?.[0]?.StackStatus).toBe('REVIEW_IN_PROGRESS');
    expect(cs.Status).toBe('CREATE_COMPLETE');
    expect(cs.ExecutionStatus).toBe('AVAILABLE');
    expect(cs.Changes?.map((c) => [c.ResourceChange?.Action, c.ResourceChange?.LogicalResourceId])).toEqual([
      ['Add', 'SubnetGroup'],
      ['Add', 'Cluster'],
      ['Add', 'Writer'],
    ]);
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'db' }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    expect(Stacks?.[0]?.ChangeSetId).toBe(created.Id);
    const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.Port).toBe('3306');
    expect(outputs.Endpoint).toMatch(/\.cluster-[a-z0-9]+\.eu-west-1\.rds\.amazonaws\.com$/);
    expect(h.running.cloud.secretsManager.secret(outputs.SecretArn!).OwningService).toBe('rds');
    const executed = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    expect(executed.ExecutionStatus).toBe('EXECUTE_COMPLETE');
  });

  it('fails an empty change set with the CloudFormation reason', async () => {
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'db',
        ChangeSetName: 'nothing',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'Subnets', UsePreviousValue: true }],
      }),
    );
    const cs = await waitForChangeSet('nothing', 'db');
    expect(cs).toMatchObject({
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    await h.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'nothing', StackName: 'db' }));
  });

  it('flags an in-place change as Replacement False and a database rename as Replacement True', async () => {
    // Act
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'db',
        ChangeSetName: 'retention',
        TemplateBody: DATABASE('app', 14),
        Parameters: [{ ParameterKey: 'Subnets', UsePreviousValue: true }],
      }),
    );
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'db',
        ChangeSetName: 'rename',
        TemplateBody: DATABASE('shop', 7),
        Parameters: [{ ParameterKey: 'Subnets', UsePreviousValue: true }],
      }),
    );
    const retention = await waitForChangeSet('retention', 'db');
    const rename = await waitForChangeSet('rename', 'db');

    // Assess
    expect(retention.Changes).toEqual([
      {
        Type: 'Resource',
        ResourceChange: expect.objectContaining({
          Action: 'Modify',
          LogicalResourceId: 'Cluster',
          Replacement: 'False',
          Scope: ['Properties'],
          Details: [
            {
              Target: { Attribute: 'Properties', Name: 'BackupRetentionPeriod', RequiresRecreation: 'Never' },
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
            },
          ],
        }),
      },
    ]);
    const renameChanges = rename.Changes?.map((c) => c.ResourceChange);
    expect(renameChanges?.[0]).toMatchObject({ LogicalResourceId: 'Cluster', Replacement: 'True' });
    expect(renameChanges?.[1]).toMatchObject({
      LogicalResourceId: 'Writer',
      Replacement: 'Conditional',
      Details: [
        expect.objectContaining({
          Evaluation: 'Dynamic',
          ChangeSource: 'ResourceReference',
          CausingEntity: 'Cluster',
        }),
      ],
    });
    const listed = await h.cfn.send(new ListChangeSetsCommand({ StackName: 'db' }));
    expect(listed.Summaries?.map((s) => s.ChangeSetName)).toEqual(['initial', 'retention', 'rename']);
  });

  it('lists a VisibilityTimeout change of a queue as a static, in-place property change', async () => {
    // Prepare
    const queue = (timeout: number) =>
      `Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: { VisibilityTimeout: ${timeout} }\n`;
    await h.cfn.send(new CreateStackCommand({ StackName: 'vis', TemplateBody: queue(30) }));
    await settle(h, 'vis');

    // Act
    await h.cfn.send(
      new CreateChangeSetCommand({ StackName: 'vis', ChangeSetName: 'longer', TemplateBody: queue(60) }),
    );
    const cs = await waitForChangeSet('longer', 'vis');

    // Assess
    expect(cs.Status).toBe('CREATE_COMPLETE');
    expect(cs.Changes).toEqual([
      {
        Type: 'Resource',
        ResourceChange: expect.objectContaining({
          Action: 'Modify',
          LogicalResourceId: 'Queue',
          ResourceType: 'AWS::SQS::Queue',
          Replacement: 'False',
          Scope: ['Properties'],
          Details: [
            {
              Target: { Attribute: 'Properties', Name: 'VisibilityTimeout', RequiresRecreation: 'Never' },
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
            },
          ],
        }),
      },
    ]);
  });

  it('executes a replacement: a new cluster, the old one snapshotted by its UpdateReplacePolicy', async () => {
    // Prepare
    const before = await h.cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'db', LogicalResourceId: 'Cluster' }),
    );
    const oldCluster = before.StackResources?.[0]?.PhysicalResourceId;

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'rename', StackName: 'db' }));
    await settle(h, 'db');

    // Assess
    const after = await h.cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'db', LogicalResourceId: 'Cluster' }),
    );
    const newCluster = after.StackResources?.[0]?.PhysicalResourceId;
    expect(newCluster).not.toBe(oldCluster);
    const rds = h.running.cloud.rds;
    expect(rds.clusters.get(newCluster!)?.DatabaseName).toBe('shop');
    expect(rds.clusters.has(oldCluster!)).toBe(false);
    expect([...rds.snapshots.values()].map((s) => s.DBClusterIdentifier)).toEqual([oldCluster]);
    const retention = await h.cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: 'retention', StackName: 'db' }),
    );
    expect(retention.ExecutionStatus).toBe('OBSOLETE');
    const trail = await eventTrail(h.cfn, 'db');
    expect(trail.slice(-3)).toEqual([
      'Cluster DELETE_IN_PROGRESS',
      'Cluster DELETE_COMPLETE',
      'db UPDATE_COMPLETE',
    ]);
  });
});

describe('nested stacks', () => {
  it('creates a child stack from a TemplateURL in the local S3 and exposes its outputs', async () => {
    // Prepare
    const s3 = new S3Client({ ...h.clientConfig, forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'templates',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'templates',
        Key: 'child.yaml',
        Body: `
Parameters:
  Prefix: { Type: String }
Resources:
  Queue: { Type: AWS::SQS::Queue, Properties: { QueueName: !Sub '\${Prefix}-jobs' } }
Outputs:
  QueueArn: { Value: !GetAtt Queue.Arn }
`,
      }),
    );
    s3.destroy();
    const parent = `
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://templates.s3.eu-west-1.amazonaws.com/child.yaml
      Parameters: { Prefix: nested }
  Consumer:
    Type: AWS::SSM::Parameter
    Properties: { Type: String, Value: !GetAtt Child.Outputs.QueueArn }
Outputs:
  ChildQueue: { Value: !GetAtt Child.Outputs.QueueArn }
`;

    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'parent', TemplateBody: parent }));
    await settle(h, 'parent');

    // Assess
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'parent' }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    expect(Stacks?.[0]?.Outputs?.[0]?.OutputValue).toMatch(/:nested-jobs$/);
    const child = await h.cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'parent', LogicalResourceId: 'Child' }),
    );
    const childId = child.StackResources?.[0]?.PhysicalResourceId;
    const described = await h.cfn.send(new DescribeStacksCommand({ StackName: childId }));
    expect(described.Stacks?.[0]).toMatchObject({
      StackName: expect.stringMatching(/^parent-Child-[A-Z0-9]{12}$/),
      ParentId: Stacks?.[0]?.StackId,
      RootId: Stacks?.[0]?.StackId,
      StackStatus: 'CREATE_COMPLETE',
    });
  });

  it('fails the parent with the child stack reason when the child fails', async () => {
    h.running.cloud.faults.failResource({ logicalId: 'Queue', reason: 'Access denied' });
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'parent2',
        TemplateBody: `
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://templates.s3.eu-west-1.amazonaws.com/child.yaml
      Parameters: { Prefix: broken }
`,
      }),
    );
    await settle(h, 'parent2');
    const trail = await eventTrail(h.cfn, 'parent2');
    expect(trail).toContainEqual(
      expect.stringMatching(
        /^Child CREATE_FAILED \(Embedded stack arn:aws:cloudformation:eu-west-1:\d+:stack\/parent2-Child-[A-Z0-9]+\/[-0-9a-f]+ was not successfully created: The following resource\(s\) failed to create: \[Queue\]\. Rollback requested by user\.\)$/,
      ),
    );
    expect(trail.at(-1)).toBe('parent2 ROLLBACK_COMPLETE');
  });
});
