import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudFormationEngine } from '#local/cloudformation/engine.ts';
import { LocalCloud } from '#local/kernel.ts';

let cloud: LocalCloud;
let engine: CloudFormationEngine;

beforeEach(() => {
  cloud = new LocalCloud({ speed: 'instant' });
  engine = cloud.cloudformation;
});

afterEach(() => {
  cloud.clock.dispose();
  cloud.eventBus.dispose();
});

function trail(name: string): string[] {
  const stack = engine.requireStack(name);
  return stack.events.map(
    (e) =>
      `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : ''}`,
  );
}

describe('CloudFormationEngine scheduling on the virtual clock', () => {
  it('creates independent resources in parallel: the stack takes its critical path', async () => {
    // Prepare: Queue (2 s) alongside Vpc (5 s) → Subnet (16 s).
    const start = cloud.clock.now();

    // Act
    engine.createStack({
      StackName: 'parallel',
      TemplateBody: `
Resources:
  Queue: { Type: AWS::SQS::Queue }
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Subnet: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24 } }
`,
    });
    const stack = await engine.settled('parallel');

    // Assess
    expect(stack.status).toBe('CREATE_COMPLETE');
    expect(cloud.clock.now() - start).toBe(5_000 + 16_000);
  });

  it('cancels a creation when the stack is deleted meanwhile, then deletes what exists', async () => {
    engine.createStack({
      StackName: 'abandoned',
      TemplateBody: `
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.3.0.0/16 } }
  Nat: { Type: AWS::SQS::Queue, DependsOn: Vpc }
`,
    });
    engine.deleteStack({ StackName: 'abandoned' });
    const stack = await engine.settled(engine.findStack('abandoned')!.stackId);
    expect(stack.status).toBe('DELETE_COMPLETE');
    expect(trail(stack.stackId)).toEqual([
      'abandoned CREATE_IN_PROGRESS (User Initiated)',
      'Vpc CREATE_IN_PROGRESS',
      'Vpc CREATE_FAILED (Resource creation cancelled)',
      'abandoned DELETE_IN_PROGRESS (User Initiated)',
      'Vpc DELETE_IN_PROGRESS',
      'Vpc DELETE_COMPLETE',
      'abandoned DELETE_COMPLETE',
    ]);
    expect(cloud.ec2.vpcs.size).toBe(0);
  });

  it('leaves a failed creation in CREATE_FAILED with OnFailure DO_NOTHING', async () => {
    cloud.faults.failResource({ logicalId: 'Q', reason: 'nope' });
    engine.createStack({
      StackName: 'kept',
      OnFailure: 'DO_NOTHING',
      TemplateBody: 'Resources:\n  Q: { Type: AWS::SQS::Queue }\n',
    });
    const stack = await engine.settled('kept');
    expect(stack.status).toBe('CREATE_FAILED');
    expect(stack.statusReason).toBe('The following resource(s) failed to create: [Q].');
  });

  it('deletes the stack after the rollback with OnFailure DELETE', async () => {
    cloud.faults.failResource({ logicalId: 'Q', reason: 'nope' });
    const created = engine.createStack({
      StackName: 'gone',
      OnFailure: 'DELETE',
      TemplateBody: 'Resources:\n  Q: { Type: AWS::SQS::Queue }\n',
    });
    await engine.settled(created.stackId);
    await engine.settled(created.stackId);
    expect(created.status).toBe('DELETE_COMPLETE');
    expect(trail(created.stackId).slice(-3)).toEqual([
      'gone ROLLBACK_COMPLETE',
      'gone DELETE_IN_PROGRESS (User Initiated)',
      'gone DELETE_COMPLETE',
    ]);
  });

  it('fails a creation that exceeds TimeoutInMinutes', async () => {
    engine.createStack({
      StackName: 'slow',
      TimeoutInMinutes: 1,
      TemplateBody:
        'Resources:\n  Queue: { Type: AWS::SQS::Queue }\n  Nat: { Type: AWS::CertificateManager::Certificate, Properties: { DomainName: example.com } }\n',
    });
    const stack = await engine.settled('slow');
    expect(trail('slow')).toContain('Nat CREATE_FAILED (Resource creation cancelled)');
    expect(trail('slow')).toContain('slow ROLLBACK_IN_PROGRESS (Create timed out)');
    expect(stack.status).toBe('ROLLBACK_COMPLETE');
  });

  it('rolls back a refused creation without deleting the resource that never existed', async () => {
    // Prepare: a deletion-protected cluster could not be deleted, were it ever created.
    cloud.faults.failResource({ logicalId: 'Cluster', action: 'create', reason: 'no capacity' });

    // Act
    engine.createStack({
      StackName: 'refused',
      TemplateBody: `
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    DeletionPolicy: Snapshot
    Properties: { Engine: aurora-postgresql, MasterUsername: app, ManageMasterUserPassword: true, DeletionProtection: true }
`,
    });
    const stack = await engine.settled('refused');

    // Assess
    expect(stack.status).toBe('ROLLBACK_COMPLETE');
    expect(trail('refused').slice(-4)).toEqual([
      'Cluster CREATE_FAILED (no capacity)',
      'refused ROLLBACK_IN_PROGRESS (The following resource(s) failed to create: [Cluster]. Rollback requested by user.)',
      'Cluster DELETE_COMPLETE',
      'refused ROLLBACK_COMPLETE',
    ]);
    expect(cloud.rds.clusters.size).toBe(0);
  });

  it('reports an ECS service deleted only once it has drained to INACTIVE', async () => {
    // Prepare
    const template = `
Resources:
  Cluster: { Type: AWS::ECS::Cluster }
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: '256'
      Memory: '512'
      ContainerDefinitions: [{ Name: web, Image: 'nginx:latest' }]
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref Task
      DesiredCount: 0
      ServiceName: web
      # ECS refuses an awsvpc service without a network configuration.
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: [subnet-1] } }
`;
    engine.createStack({ StackName: 'drain', TemplateBody: template });
    await engine.settled('drain');
    const service = [...cloud.ecs.services.values()][0]!;

    // Act
    engine.deleteStack({ StackName: 'drain' });
    const stack = await engine.settled('drain');

    // Assess
    expect(stack.status).toBe('DELETE_COMPLETE');
    expect(service.status).toBe('INACTIVE');
  });

  it('rolls back a refused replacement without creating or deleting a new resource', async () => {
    // Prepare
    const template = (cidr: string) =>
      `Resources:\n  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: ${cidr} } }\n`;
    engine.createStack({ StackName: 'replace', TemplateBody: template('10.4.0.0/16') });
    await engine.settled('replace');
    const original = engine.requireStack('replace').resources.get('Vpc')!.physicalId;
    cloud.faults.failResource({ logicalId: 'Vpc', action: 'update', reason: 'VpcLimitExceeded' });

    // Act
    engine.updateStack({ StackName: 'replace', TemplateBody: template('10.5.0.0/16') });
    const stack = await engine.settled('replace');

    // Assess
    expect(stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stack.resources.get('Vpc')!.physicalId).toBe(original);
    expect([...cloud.ec2.vpcs.values()].map((v) => v.CidrBlock)).toEqual(['10.4.0.0/16']);
    const rollback = trail('replace').slice(trail('replace').indexOf('Vpc UPDATE_FAILED (VpcLimitExceeded)'));
    expect(rollback.filter((line) => line.startsWith('Vpc DELETE'))).toEqual([]);
  });

  it('deletes a RetainExceptOnCreate resource on rollback but keeps it on delete', async () => {
    const body =
      'Resources:\n  Keep: { Type: AWS::SQS::Queue, DeletionPolicy: RetainExceptOnCreate, Properties: { QueueName: keep } }\n  Bad: { Type: AWS::SQS::Queue, DependsOn: Keep }\n';
    cloud.faults.failResource({ logicalId: 'Bad' });
    engine.createStack({ StackName: 'first', TemplateBody: body });
    await engine.settled('first');
    expect(cloud.sqs.queues.has('keep')).toBe(false);
    const second = engine.createStack({ StackName: 'second', TemplateBody: body });
    await engine.settled('second');
    engine.deleteStack({ StackName: 'second' });
    await engine.settled(second.stackId);
    expect(cloud.sqs.queues.has('keep')).toBe(true);
  });
});

describe('resource attributes', () => {
  it('gives generic resources plausible ids and every spec attribute', async () => {
    engine.createStack({
      StackName: 'generic',
      Capabilities: ['CAPABILITY_IAM'],
      TemplateBody: `
Resources:
  Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {} } }
  Logs: { Type: AWS::Logs::LogGroup, Properties: { LogGroupName: /app } }
  Topic: { Type: AWS::SNS::Topic }
Outputs:
  RoleArn: { Value: !GetAtt Role.Arn }
  RoleId: { Value: !GetAtt Role.RoleId }
  LogsArn: { Value: !GetAtt Logs.Arn }
  Topic: { Value: !Ref Topic }
`,
    });
    const stack = await engine.settled('generic');
    const outputs = Object.fromEntries(stack.outputs.map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.RoleArn).toMatch(/^arn:aws:iam::000000000000:role\/generic-Role-[A-Z0-9]{13}$/);
    expect(outputs.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(outputs.LogsArn).toBe('arn:aws:logs:eu-west-1:000000000000:log-group:/app:*');
    expect(outputs.Topic).toMatch(/^arn:aws:sns:eu-west-1:000000000000:generic-Topic-[A-Z0-9]{13}$/);
  });
});

describe('validation and idempotency', () => {
  it('fails a resource whose nested property has an unknown or missing key, as the registry reports it', async () => {
    engine.createStack({
      StackName: 'nested',
      TemplateBody: `
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: { Status: Enabled, Mode: fast }
      LifecycleConfiguration: { Rules: [{ Status: Enabled, ExpirationInDays: 1 }, { Id: x }] }
`,
    });
    await engine.settled('nested');
    // Known values are checked before anything is provisioned (pre-deployment validation).
    expect(trail('nested')).toEqual([
      'nested CREATE_IN_PROGRESS (User Initiated)',
      'nested ROLLBACK_IN_PROGRESS (Properties validation failed for resource Bucket with message: [#/LifecycleConfiguration/Rules/1: required key [Status] not found, #/VersioningConfiguration: extraneous key [Mode] is not permitted])',
      'nested ROLLBACK_COMPLETE',
    ]);
  });

  it('runs an update once for a retried ClientRequestToken and drops an event when a fault says so', async () => {
    // Prepare
    engine.createStack({ StackName: 'tokens', TemplateBody: 'Resources:\n  Q: { Type: AWS::SQS::Queue }\n' });
    await engine.settled('tokens');
    cloud.faults.dropEvent({
      source: 'aws.cloudformation',
      detailType: 'CloudFormation Stack Status Change',
    });
    const body = 'Resources:\n  Q: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 60 } }\n';

    // Act
    engine.updateStack({ StackName: 'tokens', TemplateBody: body, ClientRequestToken: 'u1' });
    engine.updateStack({ StackName: 'tokens', TemplateBody: body, ClientRequestToken: 'u1' });
    await engine.settled('tokens');

    // Assess
    expect(trail('tokens').filter((l) => l.startsWith('tokens UPDATE_IN_PROGRESS'))).toHaveLength(1);
    const delivered = cloud.eventBus.log
      .filter(
        (e) =>
          e['detail-type'] === 'CloudFormation Stack Status Change' &&
          e.detail['client-request-token'] === 'u1',
      )
      .map((e) => (e.detail['status-details'] as { status: string }).status);
    expect(delivered).toEqual(['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });
});

describe('exports', () => {
  it('refuses to change the value of an export another stack imports', async () => {
    // Prepare
    const exporter = (value: string) =>
      `Resources:\n  Q: { Type: AWS::SQS::Queue }\nOutputs:\n  Shared: { Value: ${value}, Export: { Name: shared } }\n`;
    engine.createStack({ StackName: 'exporter', TemplateBody: exporter('one') });
    await engine.settled('exporter');
    engine.createStack({
      StackName: 'user',
      TemplateBody:
        'Resources:\n  P: { Type: AWS::SSM::Parameter, Properties: { Type: String, Value: !ImportValue shared } }\n',
    });
    await engine.settled('user');

    // Act
    engine.updateStack({ StackName: 'exporter', TemplateBody: exporter('two') });
    const stack = await engine.settled('exporter');

    // Assess
    expect(stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(trail('exporter')).toContain(
      'exporter UPDATE_ROLLBACK_IN_PROGRESS (Cannot update export shared as it is in use by user)',
    );
    expect(cloud.ssm.parameters.get(engine.requireStack('user').resources.get('P')!.physicalId!)?.Value).toBe(
      'one',
    );
  });
});
