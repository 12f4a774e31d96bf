import { describe, expect, it } from 'vitest';
import { loadSpec } from '#local/cloudformation/spec.ts';
import {
  checkCapabilities,
  checkOutputs,
  findCycles,
  loadTemplate,
  planResources,
  validateTemplateStatic,
} from '#local/cloudformation/template.ts';

const spec = loadSpec();
const always = () => true;

describe('loadTemplate', () => {
  it('reads YAML with short-form intrinsics and JSON alike', () => {
    const yaml = loadTemplate(
      'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub "${AWS::StackName}-q"\n',
    );
    const json = loadTemplate('{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}');
    expect(yaml.Resources.Q?.Properties?.QueueName).toEqual({ 'Fn::Sub': '${AWS::StackName}-q' });
    expect(json.Resources.Q?.Type).toBe('AWS::SQS::Queue');
  });

  it('gives every caller its own template: changing one does not change the next load of the same body', () => {
    // Prepare
    const body = 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: orders\n';
    const first = loadTemplate(body);

    // Act
    first.Resources.Q!.Properties!.QueueName = 'changed';
    delete first.Resources.Q;
    const again = loadTemplate(body);

    // Assess
    expect(again.Resources.Q?.Properties?.QueueName).toBe('orders');
  });

  it('requires at least one resource', () => {
    expect(() => loadTemplate('Resources: {}')).toThrow(
      'Template format error: At least one Resources member must be defined.',
    );
  });
});

describe('validateTemplateStatic', () => {
  it('names every unrecognized resource type', () => {
    const template = loadTemplate(
      'Resources:\n  A:\n    Type: AWS::Foo::Bar\n  B:\n    Type: AWS::SQS::Queue\n  C:\n    Type: AWS::S3::Buckit\n',
    );
    expect(() => validateTemplateStatic(template, spec)).toThrow(
      'Template format error: Unrecognized resource types: [AWS::Foo::Bar, AWS::S3::Buckit]',
    );
  });

  it('accepts custom resources of any type name', () => {
    const template = loadTemplate('Resources:\n  A:\n    Type: Custom::Thing\n');
    expect(() => validateTemplateStatic(template, spec)).not.toThrow();
  });
});

describe('planResources', () => {
  it('derives dependencies from Ref, GetAtt, Sub and DependsOn', () => {
    const template = loadTemplate(`
Parameters:
  Env: { Type: String }
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: { VpcId: !Ref Vpc, CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 2, 8]] }
  Queue: { Type: AWS::SQS::Queue, DependsOn: Subnet, Properties: { QueueName: !Sub "\${Env}-\${Subnet}" } }
`);
    const plan = planResources(template, always, spec);
    expect(plan.get('Subnet')?.dependsOn).toEqual(['Vpc']);
    expect(plan.get('Queue')?.dependsOn).toEqual(['Subnet']);
  });

  it('skips resources whose condition is false and references in untaken branches', () => {
    const template = loadTemplate(`
Conditions:
  Never: !Equals [a, b]
Resources:
  Extra: { Type: AWS::SQS::Queue, Condition: Never }
  Main:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !If [Never, !GetAtt Extra.QueueName, main] }
`);
    const plan = planResources(template, () => false, spec);
    expect([...plan.keys()]).toEqual(['Main']);
    expect(plan.get('Main')?.dependsOn).toEqual([]);
  });

  it('fails on references to missing or excluded resources', () => {
    const template = loadTemplate(`
Conditions:
  Never: !Equals [a, b]
Resources:
  Extra: { Type: AWS::SQS::Queue, Condition: Never }
  Main: { Type: AWS::SQS::Queue, Properties: { QueueName: !Ref Extra }, DependsOn: Ghost }
`);
    expect(() => planResources(template, () => false, spec)).toThrow(
      'Template format error: Unresolved resource dependencies [Ghost, Extra] in the Resources block of the template',
    );
  });

  it('fails an unknown GetAtt attribute as CloudFormation does', () => {
    const template = loadTemplate(`
Resources:
  Q: { Type: AWS::SQS::Queue }
  T: { Type: AWS::SQS::Queue, Properties: { QueueName: !GetAtt Q.Nope } }
`);
    expect(() => planResources(template, always, spec)).toThrow(
      'Template error: resource Q does not support attribute type Nope in Fn::GetAtt',
    );
  });

  it('accepts Outputs.X attributes of nested stacks', () => {
    const template = loadTemplate(`
Resources:
  Child: { Type: AWS::CloudFormation::Stack, Properties: { TemplateURL: https://example.com/t.yaml } }
  T: { Type: AWS::SQS::Queue, Properties: { QueueName: !GetAtt Child.Outputs.Name } }
`);
    expect(planResources(template, always, spec).get('T')?.dependsOn).toEqual(['Child']);
  });

  it('reports a dependency cycle with the resources on it', () => {
    const template = loadTemplate(`
Resources:
  A: { Type: AWS::SQS::Queue, Properties: { QueueName: !GetAtt B.QueueName } }
  B: { Type: AWS::SQS::Queue, DependsOn: C }
  C: { Type: AWS::SQS::Queue, Properties: { QueueName: !Ref A } }
  D: { Type: AWS::SQS::Queue, DependsOn: A }
`);
    expect(() => planResources(template, always, spec)).toThrow(
      'Circular dependency between resources: [A, B, C]',
    );
  });
});

describe('checkOutputs and capabilities', () => {
  it('fails outputs that reference missing resources', () => {
    const template = loadTemplate(
      'Resources:\n  Q: { Type: AWS::SQS::Queue }\nOutputs:\n  X: { Value: !Ref Nope }\n',
    );
    const plan = planResources(template, always, spec);
    expect(() => checkOutputs(template, always, plan, spec)).toThrow(
      'Template format error: Unresolved resource dependencies [Nope] in the Outputs block of the template',
    );
  });

  it('asks for CAPABILITY_NAMED_IAM when a role has a name', () => {
    const template = loadTemplate(
      'Resources:\n  R: { Type: AWS::IAM::Role, Properties: { RoleName: x, AssumeRolePolicyDocument: {} } }\n',
    );
    expect(() => checkCapabilities(template, ['CAPABILITY_IAM'])).toThrow(
      'Requires capabilities : [CAPABILITY_NAMED_IAM]',
    );
    expect(() => checkCapabilities(template, ['CAPABILITY_NAMED_IAM'])).not.toThrow();
  });

  it('finds self-dependencies as cycles', () => {
    expect(
      findCycles(
        new Map([
          ['A', { dependsOn: ['A'] }],
          ['B', { dependsOn: [] }],
        ]),
      ),
    ).toEqual(['A']);
  });
});
