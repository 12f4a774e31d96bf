import { describe, expect, it } from 'vitest';
import { checkTemplateAgainstSpec, loadCfnSpec } from '#shared/cfn-spec.ts';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { loadTemplates } from './load.ts';

const spec = loadCfnSpec();
const templates = loadTemplates();

describe('loadCfnSpec', () => {
  it('returns the same specification on every call (loaded once per process)', () => {
    expect(loadCfnSpec()).toBe(spec);
  });

  it('knows resource types, their properties and their GetAtt attributes', () => {
    expect(spec.resourceType('AWS::ECS::Service')).toBeDefined();
    expect(spec.resourceType('AWS::ECS::Servise')).toBeUndefined();
    expect(spec.propertyNames('AWS::SQS::Queue')).toContain('RedrivePolicy');
    expect(spec.attributeNames('AWS::RDS::DBCluster')).toEqual(
      expect.arrayContaining(['Endpoint.Address', 'ReadEndpoint.Address', 'MasterUserSecret.SecretArn']),
    );
    expect(spec.propertyNames('AWS::Nope::Nothing')).toEqual([]);
  });

  it('looks up properties nested in property types, through lists', () => {
    expect(
      spec.property('AWS::ECS::Service', ['DeploymentConfiguration', 'DeploymentCircuitBreaker', 'Rollback']),
    ).toBeDefined();
    expect(
      spec.property('AWS::ECS::TaskDefinition', ['ContainerDefinitions', 'Secrets', 'ValueFrom'])?.required,
    ).toBe(true);
    expect(spec.property('AWS::ECS::Service', ['DeploymentConfiguration', 'CircuitBreaker'])).toBeUndefined();
  });
});

describe('checkTemplateAgainstSpec', () => {
  const check = (yaml: string) => checkTemplateAgainstSpec(parseCfnTemplate(yaml), spec);

  it('reports an unknown resource type', () => {
    // Act
    const problems = check('Resources:\n  Q:\n    Type: AWS::SQS::Queu\n');

    // Assess
    expect(problems).toEqual([{ path: 'Resources.Q.Type', message: 'unknown resource type AWS::SQS::Queu' }]);
  });

  it('reports an unknown property at the top level and inside nested property types and lists', () => {
    // Act
    const problems = check(`
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      DesiredCont: 1
      DeploymentConfiguration:
        DeploymentCircuitBreaker: { Enable: true, Rolback: true }
      LoadBalancers:
        - ContainerName: app
          ContainerPort: 80
          TargetGroup: arn
`);

    // Assess
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'Resources.Service.Properties.DesiredCont: unknown property DesiredCont',
      'Resources.Service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker.Rolback: unknown property Rolback',
      'Resources.Service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback: required property Rollback is missing',
      'Resources.Service.Properties.LoadBalancers[0].TargetGroup: unknown property TargetGroup',
    ]);
  });

  it('checks both branches of Fn::If and skips AWS::NoValue', () => {
    // Act
    const problems = check(`
Conditions:
  C: !Equals [a, b]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: !If [C, !Ref AWS::NoValue, { deadLetterTargetArn: x, maxReceiveCount: 3 }]
      Tags: !If [C, [{ Key: a, Value: b }], [{ Kee: a, Value: b }]]
`);

    // Assess
    expect(problems).toEqual([
      { path: 'Resources.Queue.Properties.Tags[0]', message: 'expected a tag { Key, Value }' },
    ]);
  });

  it('reports a missing required property', () => {
    // Act
    const problems = check(
      'Resources:\n  Route:\n    Type: AWS::EC2::Route\n    Properties:\n      GatewayId: igw-1\n',
    );

    // Assess
    expect(problems).toEqual([
      {
        path: 'Resources.Route.Properties.RouteTableId',
        message: 'required property RouteTableId is missing',
      },
    ]);
  });

  it('reports a GetAtt attribute the resource type does not have, in resources and outputs', () => {
    // Act
    const problems = check(`
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties: { Engine: aurora-mysql }
Outputs:
  Endpoint:
    Value: !GetAtt Cluster.WriterEndpoint
`);

    // Assess
    expect(problems).toEqual([
      {
        path: 'Outputs.Endpoint.Value',
        message: 'AWS::RDS::DBCluster has no attribute WriterEndpoint (Fn::GetAtt Cluster.WriterEndpoint)',
      },
    ]);
  });

  it('catches a typo slipped into a real template', () => {
    // Prepare
    const broken: CfnTemplate = structuredClone(templates.edge);
    const group = broken.Resources.TargetGroup!.Properties!;
    group.HealthCheckIntervalSecs = group.HealthCheckIntervalSeconds;
    delete group.HealthCheckIntervalSeconds;

    // Act
    const problems = checkTemplateAgainstSpec(broken, spec);

    // Assess
    expect(problems).toEqual([
      {
        path: 'Resources.TargetGroup.Properties.HealthCheckIntervalSecs',
        message: 'unknown property HealthCheckIntervalSecs',
      },
    ]);
  });
});
