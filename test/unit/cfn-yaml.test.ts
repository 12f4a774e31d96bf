import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCfnTemplate, unknownCfnTags } from '#shared/cfn-yaml.ts';
import { appTemplateBody } from '#shared/synth/app/index.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';

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

  it('reads a JSON template as the YAML parser does (a synthesised app template, `!` in its strings)', () => {
    const body = appTemplateBody(synthesisCorpus()[0]!.manifest);
    const json = JSON.stringify({
      Resources: { T: { Type: 'AWS::SNS::Topic', Properties: { TopicName: '!Foo' } } },
    });

    expect(parseCfnTemplate(body)).toEqual(parse(body));
    expect(unknownCfnTags(json)).toEqual([]);
    expect(parseCfnTemplate(json).Resources.T?.Properties).toEqual({ TopicName: '!Foo' });
  });

  it('rejects a JSON template with a key twice in one object, as the YAML parser does', () => {
    const twice = '{"Resources": {"A": {"Type": "AWS::SNS::Topic"}, "A": {"Type": "AWS::SQS::Queue"}}}';
    const nested =
      '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"X": [{"k": 1, "k": 2}]}}}}';
    const apart = '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Properties": {"A": "A"}}}}';

    expect(() => parseCfnTemplate(twice)).toThrow(/Map keys must be unique/);
    expect(() => parseCfnTemplate(nested)).toThrow(/Map keys must be unique/);
    expect(parseCfnTemplate(apart).Resources.A?.Properties).toEqual({ A: 'A' });
  });
});
