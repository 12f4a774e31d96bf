import { describe, expect, it } from 'vitest';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';

describe('parseCfnTemplate', () => {
  it('expands short-form intrinsics into their JSON form', () => {
    const template = parseCfnTemplate(`
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCidr
      Tags:
        - Key: Name
          Value: !Sub '\${AWS::StackName}-vpc'
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !GetAtt Vpc.VpcId
      CidrBlock: !Select [0, !Cidr [!Ref VpcCidr, 6, 8]]
      AvailabilityZone: !Select [0, !GetAZs '']
`);

    expect(template.Resources.Vpc?.Properties).toEqual({
      CidrBlock: { Ref: 'VpcCidr' },
      Tags: [{ Key: 'Name', Value: { 'Fn::Sub': '${AWS::StackName}-vpc' } }],
    });
    expect(template.Resources.Subnet?.Properties).toEqual({
      VpcId: { 'Fn::GetAtt': ['Vpc', 'VpcId'] },
      CidrBlock: { 'Fn::Select': [0, { 'Fn::Cidr': [{ Ref: 'VpcCidr' }, 6, 8] }] },
      AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
    });
  });

  it('rejects a document without resources', () => {
    expect(() => parseCfnTemplate('Description: nothing here\n')).toThrow(/no Resources/);
  });
});
