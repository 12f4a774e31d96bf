import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  ValidateTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CfnHarness, eventTrail, settle, stackEvents, startCfnHarness } from './helpers.ts';

const NETWORK = `
Description: A VPC, a subnet and a queue
Parameters:
  Env: { Type: String, AllowedValues: [dev, prod], Default: dev }
  Secret: { Type: String, NoEcho: true, Default: hunter22 }
  Timeout: { Type: Number, Default: 30, MinValue: 0, MaxValue: 43200 }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.40.0.0/16
      Tags: [{ Key: Name, Value: !Sub '\${AWS::StackName}-vpc' }]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]
      AvailabilityZone: !Select [0, !GetAZs '']
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Timeout
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export: { Name: !Sub '\${AWS::StackName}-VpcId' }
  SubnetCidr: { Value: !GetAtt Subnet.CidrBlock }
  Zone: { Value: !GetAtt Subnet.AvailabilityZone }
  QueueUrl: { Value: !Ref Queue }
  QueueArn: { Value: !GetAtt Queue.Arn }
  Mode: { Value: !If [IsProd, production, development] }
`;

const QUEUES = (timeout: number, name = 'orders') => `
Resources:
  Named:
    Type: AWS::SQS::Queue
    Properties: { QueueName: ${name}, VisibilityTimeout: ${timeout} }
  Other:
    Type: AWS::SQS::Queue
    DependsOn: Named
Outputs:
  Url: { Value: !Ref Named }
`;

let h: CfnHarness;
let ec2: EC2Client;
let sqs: SQSClient;

beforeAll(async () => {
  h = await startCfnHarness();
  ec2 = new EC2Client(h.clientConfig);
  sqs = new SQSClient(h.clientConfig);
});

afterAll(async () => {
  ec2.destroy();
  sqs.destroy();
  await h.stop();
});

describe('CreateStack', () => {
  it('creates the resources as real objects and publishes outputs, exports and masked parameters', async () => {
    // Prepare / Act
    const { StackId } = await h.cfn.send(
      new CreateStackCommand({ StackName: 'net', TemplateBody: NETWORK, ClientRequestToken: 'create-net-1' }),
    );
    await settle(h, 'net');

    // Assess
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'net' }));
    const stack = Stacks?.[0];
    expect(stack?.StackId).toBe(StackId);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack?.Description).toBe('A VPC, a subnet and a queue');
    expect(stack?.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Secret', ParameterValue: '****' },
        { ParameterKey: 'Env', ParameterValue: 'dev' },
      ]),
    );
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.SubnetCidr).toBe('10.40.1.0/24');
    expect(outputs.Zone).toBe('eu-west-1a');
    expect(outputs.Mode).toBe('development');
    expect(outputs.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(outputs.QueueArn).toMatch(/^arn:aws:sqs:eu-west-1:\d{12}:net-Queue-[A-Z0-9]+$/);

    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [outputs.VpcId!] }));
    expect(vpcs.Vpcs?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Name', Value: 'net-vpc' },
        { Key: 'aws:cloudformation:logical-id', Value: 'Vpc' },
      ]),
    );
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [outputs.VpcId!] }] }),
    );
    expect(subnets.Subnets?.map((s) => s.CidrBlock)).toEqual(['10.40.1.0/24']);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(attributes.Attributes?.VisibilityTimeout).toBe('30');

    const exports = await h.cfn.send(new ListExportsCommand({}));
    expect(exports.Exports).toContainEqual({
      ExportingStackId: StackId,
      Name: 'net-VpcId',
      Value: outputs.VpcId,
    });
  });

  it('records events newest first with the operation token, dependencies before dependents', async () => {
    // Act
    const trail = await eventTrail(h.cfn, 'net');
    const events = await stackEvents(h.cfn, 'net');

    // Assess
    expect(trail[0]).toBe('net CREATE_IN_PROGRESS (User Initiated)');
    expect(trail.at(-1)).toBe('net CREATE_COMPLETE');
    expect(trail.indexOf('Vpc CREATE_COMPLETE')).toBeLessThan(trail.indexOf('Subnet CREATE_IN_PROGRESS'));
    expect(trail).toContain('Subnet CREATE_IN_PROGRESS (Resource creation Initiated)');
    expect(trail.some((line) => line.startsWith('ProdOnly'))).toBe(false);
    expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set(['create-net-1']));
  });

  it('sends Stack Status Change events to the event bus', () => {
    const stackId = [...h.engine.stacks.values()].find((s) => s.stackName === 'net')!.stackId;
    const changes = h.running.cloud.eventBus.log.filter(
      (e) => e['detail-type'] === 'CloudFormation Stack Status Change' && e.detail['stack-id'] === stackId,
    );
    expect(changes.map((e) => (e.detail['status-details'] as { status: string }).status)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
    ]);
    expect(changes[0]).toMatchObject({
      source: 'aws.cloudformation',
      resources: [stackId],
      detail: {
        'client-request-token': 'create-net-1',
        'status-details': { 'status-reason': 'User Initiated' },
      },
    });
  });

  it('returns the same stack for a retried request with the same token', async () => {
    const first = await h.cfn.send(new DescribeStacksCommand({ StackName: 'net' }));
    const retry = await h.cfn.send(
      new CreateStackCommand({ StackName: 'net', TemplateBody: NETWORK, ClientRequestToken: 'create-net-1' }),
    );
    expect(retry.StackId).toBe(first.Stacks?.[0]?.StackId);
    await expect(
      h.cfn.send(new CreateStackCommand({ StackName: 'net', TemplateBody: NETWORK })),
    ).rejects.toMatchObject({
      name: 'AlreadyExistsException',
      message: 'Stack [net] already exists',
    });
  });

  it('lists resources and describes one of them', async () => {
    const listed = await h.cfn.send(new ListStackResourcesCommand({ StackName: 'net' }));
    expect(listed.StackResourceSummaries?.map((r) => [r.LogicalResourceId, r.ResourceStatus])).toEqual([
      ['Vpc', 'CREATE_COMPLETE'],
      ['Queue', 'CREATE_COMPLETE'],
      ['Subnet', 'CREATE_COMPLETE'],
    ]);
    const { StackResourceDetail } = await h.cfn.send(
      new DescribeStackResourceCommand({ StackName: 'net', LogicalResourceId: 'Subnet' }),
    );
    expect(StackResourceDetail?.PhysicalResourceId).toMatch(/^subnet-/);
    const byPhysical = await h.cfn.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: StackResourceDetail?.PhysicalResourceId }),
    );
    expect(byPhysical.StackResources?.[0]?.StackName).toBe('net');
    const template = await h.cfn.send(new GetTemplateCommand({ StackName: 'net' }));
    expect(template.TemplateBody).toBe(NETWORK);
  });

  it('refuses templates with unknown types, bad attributes, cycles and bad parameters', async () => {
    const cases: [string, string, { Key: string; Value: string }[]?][] = [
      [
        'Resources:\n  A: { Type: AWS::Foo::Bar }\n',
        'Template format error: Unrecognized resource types: [AWS::Foo::Bar]',
      ],
      [
        'Resources:\n  A: { Type: AWS::SQS::Queue }\nOutputs:\n  X: { Value: !GetAtt A.Nope }\n',
        'Template error: resource A does not support attribute type Nope in Fn::GetAtt',
      ],
      [
        'Resources:\n  A: { Type: AWS::SQS::Queue, DependsOn: B }\n  B: { Type: AWS::SQS::Queue, DependsOn: A }\n',
        'Circular dependency between resources: [A, B]',
      ],
      [NETWORK, "Parameter 'Env' must be one of AllowedValues", [{ Key: 'Env', Value: 'test' }]],
      [
        'Resources:\n  A: { Type: AWS::SQS::Queue, Properties: { QueueName: !ImportValue nobody } }\n',
        'No export named nobody found. Rollback requested by user.',
      ],
    ];
    for (const [body, message, parameters] of cases) {
      await expect(
        h.cfn.send(
          new CreateStackCommand({
            StackName: 'bad',
            TemplateBody: body,
            Parameters: parameters?.map((p) => ({ ParameterKey: p.Key, ParameterValue: p.Value })),
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationError', message });
    }
  });

  it('fails the resource, not the call, on an unsupported property and rolls back', async () => {
    // Prepare
    const body = `
Resources:
  Good: { Type: AWS::SQS::Queue }
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: { Foo: 1 }
`;
    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'unsupported', TemplateBody: body }));
    await settle(h, 'unsupported');

    // Assess
    expect(await eventTrail(h.cfn, 'unsupported')).toEqual([
      'unsupported CREATE_IN_PROGRESS (User Initiated)',
      'Good CREATE_IN_PROGRESS',
      'Good CREATE_IN_PROGRESS (Resource creation Initiated)',
      'Good CREATE_COMPLETE',
      'Bad CREATE_IN_PROGRESS',
      'Bad CREATE_FAILED (Encountered unsupported property Foo)',
      'unsupported ROLLBACK_IN_PROGRESS (The following resource(s) failed to create: [Bad]. Rollback requested by user.)',
      'Bad DELETE_COMPLETE',
      'Good DELETE_IN_PROGRESS',
      'Good DELETE_COMPLETE',
      'unsupported ROLLBACK_COMPLETE',
    ]);
  });

  it('validates a template and reports its parameters and capabilities', async () => {
    const result = await h.cfn.send(
      new ValidateTemplateCommand({
        TemplateBody:
          'Parameters:\n  P: { Type: String, Default: x, NoEcho: true }\nResources:\n  R: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {} } }\n',
      }),
    );
    expect(result.Parameters).toEqual([{ ParameterKey: 'P', DefaultValue: 'x', NoEcho: true }]);
    expect(result.Capabilities).toEqual(['CAPABILITY_IAM']);
  });
});

describe('failure and rollback', () => {
  it('cancels resources in progress, rolls back and refuses updates of a ROLLBACK_COMPLETE stack', async () => {
    // Prepare
    const body = `
Resources:
  Slow: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.1.0.0/16 } }
  Fast: { Type: AWS::SQS::Queue }
  Later: { Type: AWS::SQS::Queue, DependsOn: Slow }
`;
    h.running.cloud.faults.failResource({
      stackName: 'doomed',
      logicalId: 'Fast',
      reason: 'Queue quota exceeded',
    });

    // Act
    const { StackId } = await h.cfn.send(new CreateStackCommand({ StackName: 'doomed', TemplateBody: body }));
    await settle(h, 'doomed');

    // Assess
    const trail = await eventTrail(h.cfn, 'doomed');
    expect(trail).toContain('Fast CREATE_FAILED (Queue quota exceeded)');
    expect(trail).toContain('Slow CREATE_FAILED (Resource creation cancelled)');
    expect(trail.some((line) => line.startsWith('Later'))).toBe(false);
    expect(trail.slice(-1)).toEqual(['doomed ROLLBACK_COMPLETE']);
    expect(trail).toContain(
      'doomed ROLLBACK_IN_PROGRESS (The following resource(s) failed to create: [Fast]. Rollback requested by user.)',
    );
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.1.0.0/16'] }] }),
    );
    expect(vpcs.Vpcs).toEqual([]);
    await expect(
      h.cfn.send(
        new UpdateStackCommand({ StackName: 'doomed', TemplateBody: body.replace('10.1.0.0', '10.2.0.0') }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack:${StackId} is in ROLLBACK_COMPLETE state and can not be updated.`,
    });
  });

  it('refuses to update a stack while it is being created', async () => {
    await h.cfn.send(new CreateStackCommand({ StackName: 'busy', TemplateBody: QUEUES(30, 'busy') }));
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'busy' }));
    await expect(
      h.cfn.send(new UpdateStackCommand({ StackName: 'busy', TemplateBody: QUEUES(60, 'busy') })),
    ).rejects.toMatchObject({
      message: `Stack:${Stacks?.[0]?.StackId} is in CREATE_IN_PROGRESS state and can not be updated.`,
    });
    await settle(h, 'busy');
  });
});

describe('UpdateStack', () => {
  it('says there is nothing to do when template and parameters are unchanged', async () => {
    await h.cfn.send(new CreateStackCommand({ StackName: 'queues', TemplateBody: QUEUES(30) }));
    await settle(h, 'queues');
    await expect(
      h.cfn.send(new UpdateStackCommand({ StackName: 'queues', TemplateBody: QUEUES(30) })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'No updates are to be performed.',
    });
  });

  it('updates in place, then replaces a queue whose name changes and deletes the old one in cleanup', async () => {
    // Act: in place
    await h.cfn.send(new UpdateStackCommand({ StackName: 'queues', TemplateBody: QUEUES(60) }));
    await settle(h, 'queues');
    const before = await h.cfn.send(new DescribeStacksCommand({ StackName: 'queues' }));
    const url = before.Stacks?.[0]?.Outputs?.[0]?.OutputValue;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
    );

    // Act: replacement
    await h.cfn.send(
      new UpdateStackCommand({
        StackName: 'queues',
        TemplateBody: QUEUES(60, 'orders-v2'),
        ClientRequestToken: 'rename',
      }),
    );
    await settle(h, 'queues');

    // Assess
    expect(attributes.Attributes?.VisibilityTimeout).toBe('60');
    const after = await h.cfn.send(new DescribeStacksCommand({ StackName: 'queues' }));
    expect(after.Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(after.Stacks?.[0]?.Outputs?.[0]?.OutputValue).toMatch(/\/orders-v2$/);
    const trail = (await stackEvents(h.cfn, 'queues'))
      .filter((e) => e.ClientRequestToken === 'rename')
      .map(
        (e) =>
          `${e.LogicalResourceId} ${e.ResourceStatus}${e.ResourceStatusReason ? ` (${e.ResourceStatusReason})` : ''}`,
      );
    expect(trail).toEqual([
      'queues UPDATE_IN_PROGRESS (User Initiated)',
      'Named UPDATE_IN_PROGRESS (Requested update requires the creation of a new physical resource; hence creating one.)',
      'Named UPDATE_IN_PROGRESS (Resource creation Initiated)',
      'Named UPDATE_COMPLETE',
      'queues UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'Named DELETE_IN_PROGRESS',
      'Named DELETE_COMPLETE',
      'queues UPDATE_COMPLETE',
    ]);
    await expect(sqs.send(new GetQueueAttributesCommand({ QueueUrl: url }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });

  it('rolls a failed update back to the previous properties', async () => {
    // Prepare
    h.running.cloud.faults.failResource({
      stackName: 'queues',
      logicalId: 'Named',
      action: 'update',
      reason: 'Throttled',
    });

    // Act
    await h.cfn.send(new UpdateStackCommand({ StackName: 'queues', TemplateBody: QUEUES(90, 'orders-v2') }));
    await settle(h, 'queues');

    // Assess
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'queues' }));
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const trail = await eventTrail(h.cfn, 'queues');
    expect(trail.slice(-7)).toEqual([
      'Named UPDATE_IN_PROGRESS',
      'Named UPDATE_FAILED (Throttled)',
      'queues UPDATE_ROLLBACK_IN_PROGRESS (The following resource(s) failed to update: [Named]. )',
      'Named UPDATE_IN_PROGRESS',
      'Named UPDATE_COMPLETE',
      'queues UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'queues UPDATE_ROLLBACK_COMPLETE',
    ]);
    const url = Stacks?.[0]?.Outputs?.[0]?.OutputValue;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(attributes.Attributes?.VisibilityTimeout).toBe('60');
    const template = await h.cfn.send(new GetTemplateCommand({ StackName: 'queues' }));
    expect(template.TemplateBody).toBe(QUEUES(60, 'orders-v2'));
  });
});

describe('DeleteStack', () => {
  it('refuses while termination protection is on, then deletes in reverse order', async () => {
    // Prepare
    await h.cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'queues', EnableTerminationProtection: true }),
    );

    // Act / Assess
    await expect(h.cfn.send(new DeleteStackCommand({ StackName: 'queues' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack [queues] cannot be deleted while TerminationProtection is enabled',
    });
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: 'queues' }));
    expect(Stacks?.[0]?.EnableTerminationProtection).toBe(true);
    await h.cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'queues', EnableTerminationProtection: false }),
    );
    await h.cfn.send(new DeleteStackCommand({ StackName: 'queues' }));
    await settle(h, Stacks![0]!.StackId!);
    const trail = await eventTrail(h.cfn, Stacks![0]!.StackId!);
    expect(trail.slice(-6)).toEqual([
      'queues DELETE_IN_PROGRESS (User Initiated)',
      'Other DELETE_IN_PROGRESS',
      'Other DELETE_COMPLETE',
      'Named DELETE_IN_PROGRESS',
      'Named DELETE_COMPLETE',
      'queues DELETE_COMPLETE',
    ]);
  });

  it('describes a deleted stack by its id only, and lists it with its deletion time', async () => {
    const summaries = await h.cfn.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    const deleted = summaries.StackSummaries?.find((s) => s.StackName === 'queues');
    expect(deleted?.DeletionTime).toBeInstanceOf(Date);
    const byId = await h.cfn.send(new DescribeStacksCommand({ StackName: deleted?.StackId }));
    expect(byId.Stacks?.[0]?.StackStatus).toBe('DELETE_COMPLETE');
    await expect(h.cfn.send(new DescribeStacksCommand({ StackName: 'queues' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id queues does not exist',
    });
  });

  it('keeps a Retain resource and refuses to delete an export another stack imports', async () => {
    // Prepare
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'importer',
        TemplateBody: `
Resources:
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: { QueueName: kept, Tags: [{ Key: vpc, Value: !ImportValue net-VpcId }] }
`,
      }),
    );
    await settle(h, 'importer');
    const importer = await h.cfn.send(new DescribeStacksCommand({ StackName: 'importer' }));
    const importerId = importer.Stacks![0]!.StackId!;

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: 'net' }));
    await settle(h, 'net');
    const net = await h.cfn.send(new DescribeStacksCommand({ StackName: 'net' }));
    await h.cfn.send(new DeleteStackCommand({ StackName: 'importer' }));
    await settle(h, importerId);

    // Assess
    expect(net.Stacks?.[0]?.StackStatus).toBe('DELETE_FAILED');
    expect(net.Stacks?.[0]?.StackStatusReason).toBe(
      'Export net-VpcId cannot be deleted as it is in use by importer',
    );
    expect((await eventTrail(h.cfn, importerId)).slice(-2)).toEqual([
      'Kept DELETE_SKIPPED',
      'importer DELETE_COMPLETE',
    ]);
    expect(h.running.cloud.sqs.queues.has('kept')).toBe(true);
  });
});
