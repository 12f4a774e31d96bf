import { describe, expect, it } from 'vitest';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { STAGES } from '#shared/naming.ts';
import { auditTemplate } from './audit.ts';
import { loadTemplates } from './load.ts';

const templates = loadTemplates();

/** Breaks every rule once. */
const BAD_TEMPLATE = `
Parameters:
  DatabasePort: { Type: Number, Default: 3306, MinValue: 1, MaxValue: 65535, Description: the engine port }
Resources:
  AlbSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: alb
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 0.0.0.0/0 }
  AppSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }
  DatabaseSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: db }
  DatabaseFromAnywhere:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref DatabaseSecurityGroup
      IpProtocol: tcp
      FromPort: !Ref DatabasePort
      ToPort: !Ref DatabasePort
      CidrIp: 10.0.0.0/8
  BastionSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: bastion
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 203.0.113.7/32 }
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration: { BlockPublicAcls: true }
  Queue:
    Type: AWS::SQS::Queue
  Repository:
    Type: AWS::ECR::Repository
  Logs:
    Type: AWS::Logs::LogGroup
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }
      Policies:
        - PolicyName: too-much
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: 's3:*', Resource: !Sub '\${Bucket.Arn}/*' }
              - { Effect: Allow, Action: 'sqs:SendMessage', Resource: '*' }
              - { Effect: Allow, NotAction: 'iam:*', Resource: !GetAtt Queue.Arn }
  Service:
    Type: AWS::ECS::Service
    Properties:
      NetworkConfiguration:
        AwsvpcConfiguration: { AssignPublicIp: ENABLED, Subnets: [subnet-1] }
  Cluster:
    Type: AWS::RDS::DBCluster
    DeletionPolicy: Delete
    Properties: { Engine: aurora-mysql }
  Instance:
    Type: AWS::RDS::DBInstance
    Properties: { DBInstanceClass: db.t4g.medium, PubliclyAccessible: true }
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties: { Protocol: HTTPS, Port: 443, SslPolicy: ELBSecurityPolicy-2016-08 }
`;

describe('auditTemplate', () => {
  it.each(STAGES)('finds nothing wrong in the %s template', (stage) => {
    expect(auditTemplate(templates[stage])).toEqual([]);
  });

  it('catches every rule a deliberately bad template breaks', () => {
    // Act
    const findings = auditTemplate(parseCfnTemplate(BAD_TEMPLATE));

    // Assess
    expect(findings.map((f) => `${f.rule} ${f.path}`).sort()).toEqual(
      [
        'open-to-world Resources.AlbSecurityGroup.Properties.SecurityGroupIngress[0]',
        'default-egress Resources.AlbSecurityGroup',
        'default-egress Resources.AppSecurityGroup',
        'default-egress Resources.DatabaseSecurityGroup',
        'default-egress Resources.BastionSecurityGroup',
        'open-to-world Resources.AppSecurityGroup.Properties.SecurityGroupIngress[0]',
        'app-ingress Resources.AppSecurityGroup.Properties.SecurityGroupIngress[0]',
        'database-ingress Resources.DatabaseFromAnywhere',
        'bastion-ingress Resources.BastionSecurityGroup.Properties.SecurityGroupIngress[0]',
        'encryption Resources.Bucket',
        's3-public Resources.Bucket',
        's3-tls Resources.Bucket',
        'encryption Resources.Queue',
        'encryption Resources.Repository',
        'log-retention Resources.Logs',
        'iam-wildcard-action Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0]',
        'iam-wildcard-resource Resources.Role.Properties.Policies[0].PolicyDocument.Statement[1]',
        'iam-not Resources.Role.Properties.Policies[0].PolicyDocument.Statement[2]',
        'public-ip Resources.Service',
        'circuit-breaker Resources.Service',
        'encryption Resources.Cluster',
        'database-retention Resources.Cluster',
        'database-retention Resources.Cluster',
        'public-database Resources.Instance',
        'tls-policy Resources.Listener',
      ].sort(),
    );
  });

  it('catches SSH opened to the world on the app security group of the real network template', () => {
    // Prepare
    const network: CfnTemplate = structuredClone(templates.network);
    network.Resources.AppSecurityGroup!.Properties!.SecurityGroupIngress = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' },
    ];

    // Act
    const rules = auditTemplate(network).map((f) => f.rule);

    // Assess
    expect(rules).toEqual(['open-to-world', 'app-ingress']);
  });

  it('catches a task role widened to every action of a service in the real edge template', () => {
    // Prepare
    const edge: CfnTemplate = structuredClone(templates.edge);
    const policies = edge.Resources.TaskRole!.Properties!.Policies as {
      PolicyDocument: { Statement: { Action: unknown }[] };
    }[];
    policies[0]!.PolicyDocument.Statement[2]!.Action = 'sqs:*';

    // Act
    const findings = auditTemplate(edge);

    // Assess
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'iam-wildcard-action', message: 'wildcard action sqs:*' }),
    ]);
  });

  it('catches a service in the real app template that would give tasks public IPs', () => {
    // Prepare
    const app: CfnTemplate = structuredClone(templates.app);
    const network = app.Resources.WorkerQueue3Service!.Properties!.NetworkConfiguration as {
      AwsvpcConfiguration: Record<string, unknown>;
    };
    network.AwsvpcConfiguration.AssignPublicIp = 'ENABLED';

    // Act
    const findings = auditTemplate(app);

    // Assess
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'public-ip', path: 'Resources.WorkerQueue3Service' }),
    ]);
  });

  it('catches a database cluster whose snapshot-on-delete policy was dropped', () => {
    // Prepare
    const database: CfnTemplate = structuredClone(templates.database);
    delete database.Resources.Cluster!.UpdateReplacePolicy;

    // Act
    const findings = auditTemplate(database);

    // Assess
    expect(findings.map((f) => f.rule)).toEqual(['database-retention']);
  });
});
