import { describe, expect, it } from 'vitest';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { checkParameterDocumentation, checkParameterValues, checkReferences } from './references.ts';

const TEMPLATE = parseCfnTemplate(`
Parameters:
  Name:
    Type: String
    Description: Name of the thing, lower case
    AllowedPattern: '^[a-z]+$'
  Count:
    Type: Number
    Description: How many things to make
    MinValue: 1
    MaxValue: 3
    Default: 1
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Description: Where the things go
  Loose:
    Type: String
    Description: x
Conditions:
  Many: !Not [!Equals [!Ref Count, 1]]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Condition: Few
    DependsOn: [Topic]
    Properties:
      QueueName: !Sub '\${Name}-\${Nmae}-\${AWS::Region}-\${!Literal}'
      DelaySeconds: !If [Mny, 1, !Ref AWS::NoValue]
      Tags:
        - Key: arn
          Value: !GetAtt Queue2.Arn
        - Key: name
          Value: !Sub ['\${Prefix}-\${Queue.QueueName}', { Prefix: !Ref Prefx }]
Outputs:
  Url:
    Value: !Ref Queue
`);

describe('checkReferences', () => {
  it('reports every reference to something that does not exist', () => {
    expect(checkReferences(TEMPLATE).map((p) => p.message)).toEqual([
      'Condition Few does not exist',
      'DependsOn unknown Topic',
      'Fn::Sub variable ${Nmae} names nothing',
      'Fn::If on unknown condition "Mny"',
      'Fn::GetAtt on unknown resource "Queue2"',
      'Ref to unknown "Prefx"',
    ]);
  });
});

describe('checkParameterDocumentation', () => {
  it('reports parameters without a real description or without a constraint', () => {
    expect(checkParameterDocumentation(TEMPLATE)).toEqual([
      'Loose has no description',
      'Loose has no constraint (AllowedPattern, AllowedValues, Min/Max)',
    ]);
  });
});

describe('checkParameterValues', () => {
  it('accepts values that satisfy every constraint, defaults filling the gaps', () => {
    expect(
      checkParameterValues(TEMPLATE, { Name: 'abc', Subnets: 'subnet-0a,subnet-0b', Loose: '' }),
    ).toEqual([]);
  });

  it('reports missing, unknown and out-of-bounds values', () => {
    // Act
    const problems = checkParameterValues(TEMPLATE, { Name: 'ABC', Count: '7', Subnets: 'sg-1', Extra: 'x' });

    // Assess
    expect(problems).toEqual([
      'Extra is not a parameter of the template',
      'Name="ABC" does not match ^[a-z]+$',
      'Count=7 is above 3',
      'Subnets=sg-1 is not a list of subnet ids',
      'Loose has no value and no default',
    ]);
  });
});
