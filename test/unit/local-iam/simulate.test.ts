import { describe, expect, it } from 'vitest';
import { evaluatePolicies } from '#local/iam/evaluate.ts';
import type { NamedPolicy } from '#local/iam/policies.ts';
import { simulate } from '#local/iam/simulate.ts';

const ACCOUNT = '000000000000';
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/app/session`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders`;
const send = { action: 'sqs:SendMessage', resource: QUEUE, context: {} };

const allowSend = (): NamedPolicy => ({
  name: 'send',
  document: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE }],
  },
});

describe('remembered IAM simulations', () => {
  it('answers the same simulation once: the same input gives the same answer object', () => {
    // Prepare
    const input = {
      identityPolicies: [{ name: 'send', policy: allowSend().document as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: 'sqs:SendMessage',
        principal: PRINCIPAL,
        resource: { accountId: ACCOUNT, resource: QUEUE },
        contextVariables: {},
      },
    };

    // Act
    const first = simulate(input);
    const again = simulate(structuredClone(input));

    // Assess
    expect(again).toBe(first);
  });

  it('never answers from memory once a policy changed, even when the document is changed in place', async () => {
    // Prepare
    const policy = allowSend();
    const before = await evaluatePolicies([policy], PRINCIPAL, ACCOUNT, send);

    // Act
    const statement = (policy.document.Statement as Array<{ Effect: string }>)[0]!;
    statement.Effect = 'Deny';
    const after = await evaluatePolicies([policy], PRINCIPAL, ACCOUNT, send);

    // Assess
    expect(before.decision).toBe('Allowed');
    expect(after.decision).toBe('ExplicitlyDenied');
  });

  it('never answers from memory for another context value (a tag condition)', async () => {
    // Prepare
    const policy: NamedPolicy = {
      name: 'tagged',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: QUEUE,
            Condition: { StringEquals: { 'aws:ResourceTag/team': 'shop' } },
          },
        ],
      },
    };

    // Act
    const shop = await evaluatePolicies([policy], PRINCIPAL, ACCOUNT, {
      ...send,
      context: { 'aws:ResourceTag/team': 'shop' },
    });
    const other = await evaluatePolicies([policy], PRINCIPAL, ACCOUNT, {
      ...send,
      context: { 'aws:ResourceTag/team': 'billing' },
    });

    // Assess
    expect(shop.decision).toBe('Allowed');
    expect(other.decision).toBe('ImplicitlyDenied');
  });
});
