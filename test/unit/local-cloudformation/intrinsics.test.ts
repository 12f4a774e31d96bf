import { describe, expect, it } from 'vitest';
import { cidr } from '#local/cloudformation/cidr.ts';
import {
  collectReferences,
  evaluate,
  evaluateCondition,
  type IntrinsicContext,
  NO_VALUE,
} from '#local/cloudformation/intrinsics.ts';

function context(overrides: Partial<IntrinsicContext> = {}): IntrinsicContext {
  const refs: Record<string, unknown> = {
    Env: 'prod',
    Count: '2',
    Subnets: ['subnet-a', 'subnet-b', 'subnet-c'],
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '123456789012',
    'AWS::StackName': 'demo',
    Vpc: 'vpc-0123456789abcdef0',
  };
  const conditions: Record<string, boolean> = { IsProd: true, IsDev: false };
  return {
    region: 'eu-west-1',
    ref: (name) => {
      if (!(name in refs)) throw new Error(`unknown ref ${name}`);
      return refs[name];
    },
    getAtt: (resource, attribute) => `${resource}/${attribute}`,
    condition: (name) => conditions[name] ?? false,
    mappings: { Sizes: { prod: { Instance: 't4g.medium' }, dev: { Instance: 't4g.small' } } },
    importValue: (name) => `imported:${name}`,
    getAZs: (region) => [`${region}a`, `${region}b`, `${region}c`],
    ...overrides,
  };
}

describe('Fn::Cidr', () => {
  it('carves consecutive /24 blocks from the start of a /16', () => {
    // Prepare / Act
    const blocks = cidr('10.40.0.0/16', 6, 8);

    // Assess
    expect(blocks).toEqual([
      '10.40.0.0/24',
      '10.40.1.0/24',
      '10.40.2.0/24',
      '10.40.3.0/24',
      '10.40.4.0/24',
      '10.40.5.0/24',
    ]);
  });

  it('matches the AWS documentation example of six /27 blocks from a /24', () => {
    expect(cidr('192.168.0.0/24', 6, 5)).toEqual([
      '192.168.0.0/27',
      '192.168.0.32/27',
      '192.168.0.64/27',
      '192.168.0.96/27',
      '192.168.0.128/27',
      '192.168.0.160/27',
    ]);
  });

  it('starts from the network address even when the block has host bits set', () => {
    expect(cidr('10.0.5.77/16', 2, 12)).toEqual(['10.0.0.0/20', '10.0.16.0/20']);
  });

  it('allocates IPv6 /64 blocks from a /56', () => {
    expect(cidr('2001:db8:1234:1a00::/56', 3, 64)).toEqual([
      '2001:db8:1234:1a00::/64',
      '2001:db8:1234:1a01::/64',
      '2001:db8:1234:1a02::/64',
    ]);
  });

  it('refuses more blocks than fit in the range', () => {
    expect(() => cidr('10.0.0.0/24', 3, 7)).toThrow(/cannot allocate 3 subnets of \/25/);
  });

  it('is reachable as an intrinsic with string arguments and composes with Select', () => {
    const value = evaluate({ 'Fn::Select': [2, { 'Fn::Cidr': ['10.40.0.0/16', '4', '8'] }] }, context());
    expect(value).toBe('10.40.2.0/24');
  });
});

describe('Fn::Sub', () => {
  it('substitutes parameters, pseudo parameters and attributes and keeps ${!Literal}', () => {
    const value = evaluate(
      { 'Fn::Sub': 'arn:aws:s3:::${AWS::StackName}-${Env}/${Bucket.Arn}/${!Literal}' },
      context(),
    );
    expect(value).toBe('arn:aws:s3:::demo-prod/Bucket/Arn/${Literal}');
  });

  it('takes variables from the map form before Refs', () => {
    const value = evaluate(
      { 'Fn::Sub': ['${Env}-${Name}', { Env: 'override', Name: { 'Fn::Select': [0, { Ref: 'Subnets' }] } }] },
      context(),
    );
    expect(value).toBe('override-subnet-a');
  });

  it('refuses a list-valued variable', () => {
    expect(() => evaluate({ 'Fn::Sub': '${Subnets}' }, context())).toThrow(
      'Template error: variable Subnets in Fn::Sub expression does not resolve to a string',
    );
  });
});

describe('list intrinsics', () => {
  it('joins, splits and selects as CloudFormation does', () => {
    const ctx = context();
    expect(evaluate({ 'Fn::Join': [',', { Ref: 'Subnets' }] }, ctx)).toBe('subnet-a,subnet-b,subnet-c');
    expect(evaluate({ 'Fn::Split': [',', 'a,b,,c'] }, ctx)).toEqual(['a', 'b', '', 'c']);
    expect(evaluate({ 'Fn::Select': ['1', { 'Fn::GetAZs': '' }] }, ctx)).toBe('eu-west-1b');
    expect(evaluate({ 'Fn::Length': { Ref: 'Subnets' } }, ctx)).toBe(3);
  });

  it('fails Fn::Select past the end of the list with the CloudFormation message', () => {
    expect(() => evaluate({ 'Fn::Select': [3, { Ref: 'Subnets' }] }, context())).toThrow(
      'Template error: Fn::Select cannot select nonexistent value at index 3',
    );
  });

  it('encodes Base64, finds mappings and imports values', () => {
    const ctx = context();
    expect(evaluate({ 'Fn::Base64': 'hello' }, ctx)).toBe('aGVsbG8=');
    expect(evaluate({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Instance'] }, ctx)).toBe('t4g.medium');
    expect(evaluate({ 'Fn::ImportValue': { 'Fn::Sub': '${Env}-VpcId' } }, ctx)).toBe('imported:prod-VpcId');
    expect(evaluate({ 'Fn::ToJsonString': { a: [1, 'b'] } }, ctx)).toBe('{"a":[1,"b"]}');
  });

  it('fails a missing mapping key with the CloudFormation message', () => {
    expect(() => evaluate({ 'Fn::FindInMap': ['Sizes', 'test', 'Instance'] }, context())).toThrow(
      'Template error: Unable to get mapping for Sizes::test::Instance',
    );
  });
});

describe('Fn::If and AWS::NoValue', () => {
  it('removes a property whose Fn::If branch is AWS::NoValue', () => {
    const value = evaluate(
      {
        Name: { 'Fn::If': ['IsDev', 'dev-name', { Ref: 'AWS::NoValue' }] },
        Size: { 'Fn::If': ['IsProd', 'large', 'small'] },
      },
      context(),
    );
    expect(value).toEqual({ Size: 'large' });
  });

  it('removes a list element whose value is AWS::NoValue', () => {
    const value = evaluate(['a', { 'Fn::If': ['IsDev', 'b', { Ref: 'AWS::NoValue' }] }, 'c'], context());
    expect(value).toEqual(['a', 'c']);
  });

  it('returns the NoValue marker at the top level', () => {
    expect(evaluate({ Ref: 'AWS::NoValue' }, context())).toBe(NO_VALUE);
  });
});

describe('condition functions', () => {
  it('compares values as strings and combines with And, Or and Not', () => {
    const ctx = context();
    expect(evaluateCondition({ 'Fn::Equals': [{ Ref: 'Count' }, 2] }, ctx)).toBe(true);
    expect(
      evaluateCondition(
        {
          'Fn::And': [
            { Condition: 'IsProd' },
            { 'Fn::Not': [{ Condition: 'IsDev' }] },
            { 'Fn::Or': [{ 'Fn::Equals': ['a', 'b'] }, { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }] },
          ],
        },
        ctx,
      ),
    ).toBe(true);
    expect(evaluateCondition({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }] }, ctx)).toBe(false);
  });

  it('refuses Fn::And with a single condition', () => {
    expect(() => evaluateCondition({ 'Fn::And': [{ Condition: 'IsProd' }] }, context())).toThrow(
      /between 2 and 10 conditions/,
    );
  });
});

describe('collectReferences', () => {
  it('finds Ref, GetAtt and Sub references but not those in an untaken Fn::If branch', () => {
    const refs = collectReferences(
      {
        A: { Ref: 'Vpc' },
        B: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
        C: { 'Fn::Sub': ['${Lb.DNSName}/${X}/${!Skip}/${AWS::Region}', { X: { Ref: 'Queue' } }] },
        D: { 'Fn::If': ['IsDev', { Ref: 'DevOnly' }, { Ref: 'ProdOnly' }] },
      },
      (name) => name === 'IsProd',
    );
    expect(refs).toEqual([
      { kind: 'Ref', target: 'Vpc' },
      { kind: 'GetAtt', target: 'Db', attribute: 'Endpoint.Address' },
      { kind: 'GetAtt', target: 'Lb', attribute: 'DNSName' },
      { kind: 'Ref', target: 'AWS::Region' },
      { kind: 'Ref', target: 'Queue' },
      { kind: 'Ref', target: 'ProdOnly' },
    ]);
  });
});
