import { describe, expect, it } from 'vitest';
import { resolvedPolicyDocument, resolveValue } from '#shared/cfn-resolve.ts';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';

const template: CfnTemplate = {
  Parameters: {
    Project: { Type: 'String' },
    Keys: { Type: 'CommaDelimitedList', Default: '' },
    RoleArn: { Type: 'String' },
  },
  Conditions: { HasKeys: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'Keys' }] }, ''] }] } },
  Resources: {
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: [
                { Ref: 'SomeResource' },
                {
                  'Fn::Sub':
                    'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Project}/*',
                },
              ],
            },
            {
              'Fn::If': [
                'HasKeys',
                { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'Keys' } },
                { Ref: 'AWS::NoValue' },
              ],
            },
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': ['Role', 'Arn'] } },
          ],
        },
      },
    },
  },
};
const scope = (parameters: Record<string, string>) => ({
  template,
  parameters,
  region: 'eu-west-1',
  accountId: '123456789012',
});

describe('resolving a template without creating it (shared/cfn-resolve.ts)', () => {
  it('substitutes parameters and pseudo parameters, drops what only a stack knows, and honours conditions', () => {
    expect(resolvedPolicyDocument('Policy', scope({ Project: 'acme' }))).toEqual({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/*'],
        },
      ],
    });
  });

  it('splits list parameters and keeps a statement whose condition holds', () => {
    const doc = resolvedPolicyDocument('Policy', scope({ Project: 'acme', Keys: 'k1,k2' }));
    expect(doc?.Statement[1]).toEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: ['k1', 'k2'] });
  });

  it('leaves a Sub naming an unknown value unresolved rather than guessing', () => {
    expect(resolveValue({ 'Fn::Sub': '${Nope}-x' }, scope({}))).toBeUndefined();
    expect(resolveValue({ 'Fn::Sub': '${!Literal}' }, scope({}))).toBe('${Literal}');
  });
});
