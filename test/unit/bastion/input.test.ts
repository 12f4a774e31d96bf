import { describe, expect, it } from 'vitest';
import {
  BastionRefusedError,
  CloseBastionInputSchema,
  ListBastionsInputSchema,
  OpenBastionInputSchema,
  parseRequest,
} from '#shared/bastion/input.ts';

// This file loads no zod classic (which would set English messages for everyone), so it shows the
// zod/mini request schemas carry their own.
function refusalOf(schema: Parameters<typeof parseRequest>[0], event: unknown): BastionRefusedError {
  try {
    parseRequest(schema, event);
  } catch (error) {
    if (error instanceof BastionRefusedError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('bastion requests', () => {
  it('defaults the environment to production and keeps what was asked', () => {
    // Act
    const input = parseRequest(OpenBastionInputSchema, {
      project: 'acme',
      ttlMinutes: 30,
      callerCidr: '203.0.113.5',
      openedBy: 'arn:aws:iam::123456789012:user/ana',
    });

    // Assess
    expect(input).toEqual({
      project: 'acme',
      environment: 'production',
      ttlMinutes: 30,
      callerCidr: '203.0.113.5',
      openedBy: 'arn:aws:iam::123456789012:user/ana',
    });
  });

  it('refuses with one message naming every field that is wrong, in words', () => {
    // Act
    const error = refusalOf(OpenBastionInputSchema, {
      project: 'Acme',
      ttlMinutes: 1.5,
      access: 'rdp',
      callerCidr: '',
      instanceType: 'm7g.16xlarge',
    });

    // Assess
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe(
      'Invalid request: ' +
        'project: a stackdrop project name (lower-case letters, digits, hyphens); ' +
        'ttlMinutes: ttlMinutes must be a whole number of minutes; ' +
        'access: Invalid option: expected one of "ssm"|"ssh"; ' +
        'callerCidr: Too small: expected string to have >=1 characters; ' +
        'request: Unrecognized key: "instanceType" [INVALID_REQUEST]',
    );
  });

  it('says which type a field needs when it has another', () => {
    // Act
    const error = refusalOf(CloseBastionInputSchema, { project: 'acme', instanceId: 42 });

    // Assess
    expect(error.message).toBe(
      'Invalid request: instanceId: Invalid input: expected string, received number [INVALID_REQUEST]',
    );
  });

  it('refuses a payload that is not an object', () => {
    // Act
    const error = refusalOf(ListBastionsInputSchema, 'acme');

    // Assess
    expect(error.message).toBe(
      'Invalid request: request: Invalid input: expected object, received string [INVALID_REQUEST]',
    );
  });
});
