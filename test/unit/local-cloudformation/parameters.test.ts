import { describe, expect, it } from 'vitest';
import { type ParameterLookups, resolveParameters } from '#local/cloudformation/parameters.ts';

const lookups: ParameterLookups = {
  ssmParameter: (name) =>
    name === '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64'
      ? { type: 'String', value: 'ami-0abcdef1234567890' }
      : name === '/secret'
        ? { type: 'SecureString', value: 'x' }
        : undefined,
  ec2Exists: (type, id) => (type === 'AWS::EC2::VPC::Id' ? id === 'vpc-1111' : undefined),
  availabilityZones: () => ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
};

describe('resolveParameters', () => {
  it('applies defaults, splits list types and keeps numbers as strings', () => {
    // Prepare
    const declarations = {
      Env: { Type: 'String', Default: 'prod' },
      Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' },
      Zones: { Type: 'CommaDelimitedList', Default: 'a, b' },
      Port: { Type: 'Number', Default: 3306 },
    };

    // Act
    const resolved = resolveParameters(
      declarations,
      [{ ParameterKey: 'Subnets', ParameterValue: 'subnet-1,subnet-2' }],
      undefined,
      lookups,
    );

    // Assess
    expect(resolved.values.get('Env')).toBe('prod');
    expect(resolved.values.get('Subnets')).toEqual(['subnet-1', 'subnet-2']);
    expect(resolved.values.get('Zones')).toEqual(['a', 'b']);
    expect(resolved.values.get('Port')).toBe('3306');
  });

  it('lists every parameter without a value', () => {
    expect(() =>
      resolveParameters({ A: { Type: 'String' }, B: { Type: 'Number' } }, [], undefined, lookups),
    ).toThrow('Parameters: [A, B] must have values');
  });

  it('refuses parameters the template does not declare', () => {
    expect(() =>
      resolveParameters({}, [{ ParameterKey: 'Nope', ParameterValue: 'x' }], undefined, lookups),
    ).toThrow('Parameters: [Nope] do not exist in the template');
  });

  it('enforces AllowedValues, AllowedPattern, lengths and numeric bounds', () => {
    const check = (declaration: Record<string, unknown>, value: string) => () =>
      resolveParameters(
        { P: declaration },
        [{ ParameterKey: 'P', ParameterValue: value }],
        undefined,
        lookups,
      );
    expect(check({ Type: 'String', AllowedValues: ['a', 'b'] }, 'c')).toThrow(
      "Parameter 'P' must be one of AllowedValues",
    );
    expect(check({ Type: 'String', AllowedPattern: '[a-z]+' }, 'abc1')).toThrow(
      "Parameter 'P' must match pattern [a-z]+",
    );
    expect(check({ Type: 'String', MinLength: 3 }, 'ab')).toThrow(
      "Parameter 'P' must contain at least 3 characters",
    );
    expect(check({ Type: 'String', MaxLength: 2 }, 'abc')).toThrow(
      "Parameter 'P' must contain at most 2 characters",
    );
    expect(check({ Type: 'Number', MaxValue: 10 }, '11')).toThrow(
      "Parameter 'P' must be a number not greater than 10",
    );
    expect(check({ Type: 'Number', MinValue: 1 }, '0')).toThrow(
      "Parameter 'P' must be a number not less than 1",
    );
    expect(check({ Type: 'Number' }, 'ten')).toThrow("Parameter 'P' must be a number");
    expect(
      check({ Type: 'String', AllowedPattern: '[a-z]+', ConstraintDescription: 'must be lowercase' }, 'A'),
    ).toThrow("Parameter 'P' must be lowercase");
    expect(check({ Type: 'CommaDelimitedList', AllowedValues: ['x', 'y'] }, 'x,z')).toThrow(
      "Parameter 'P' must be one of AllowedValues",
    );
  });

  it('resolves SSM parameter types and reports the resolved value separately', () => {
    const resolved = resolveParameters(
      { Ami: { Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>' } },
      [
        {
          ParameterKey: 'Ami',
          ParameterValue: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
        },
      ],
      undefined,
      lookups,
    );
    expect(resolved.values.get('Ami')).toBe('ami-0abcdef1234567890');
    expect(resolved.described).toEqual([
      {
        ParameterKey: 'Ami',
        ParameterValue: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
        ResolvedValue: 'ami-0abcdef1234567890',
      },
    ]);
  });

  it('fails on a missing SSM parameter and on a SecureString', () => {
    const declarations = { P: { Type: 'AWS::SSM::Parameter::Value<String>' } };
    expect(() =>
      resolveParameters(declarations, [{ ParameterKey: 'P', ParameterValue: '/nope' }], undefined, lookups),
    ).toThrow('Unable to fetch parameters [/nope] from parameter store for this account.');
    expect(() =>
      resolveParameters(declarations, [{ ParameterKey: 'P', ParameterValue: '/secret' }], undefined, lookups),
    ).toThrow('Parameters [/secret] referenced by template have types not supported by CloudFormation.');
  });

  it('checks AWS-specific EC2 ids and zones against the models', () => {
    const run = (type: string, value: string) => () =>
      resolveParameters(
        { P: { Type: type } },
        [{ ParameterKey: 'P', ParameterValue: value }],
        undefined,
        lookups,
      );
    expect(run('AWS::EC2::VPC::Id', 'vpc-1111')).not.toThrow();
    expect(run('AWS::EC2::VPC::Id', 'vpc-2222')).toThrow(
      'Parameter validation failed: parameter value vpc-2222 for parameter name P does not exist. Rollback requested by user.',
    );
    expect(run('List<AWS::EC2::AvailabilityZone::Name>', 'eu-west-1a,us-east-1a')).toThrow(/us-east-1a/);
  });

  it('takes previous values with UsePreviousValue and marks NoEcho parameters', () => {
    const resolved = resolveParameters(
      { Password: { Type: 'String', NoEcho: true } },
      [{ ParameterKey: 'Password', UsePreviousValue: true }],
      new Map([['Password', 'hunter22']]),
      lookups,
    );
    expect(resolved.values.get('Password')).toBe('hunter22');
    expect([...resolved.noEcho]).toEqual(['Password']);
  });

  it('refuses an unknown parameter type as a template format error', () => {
    expect(() => resolveParameters({ P: { Type: 'Strung' } }, [], undefined, lookups)).toThrow(
      'Template format error: Unrecognized parameter type: Strung',
    );
  });
});
