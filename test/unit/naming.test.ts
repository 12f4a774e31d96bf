import { describe, expect, it } from 'vitest';
import { parseStackName, stackName } from '#shared/naming.ts';

describe('stack names', () => {
  it('round-trips a hyphenated project through its stack name', () => {
    const name = stackName('my-shop', 'production', 'database');

    expect(name).toBe('stackdrop-my-shop-production-database');
    expect(parseStackName(name)).toEqual({
      project: 'my-shop',
      environment: 'production',
      stage: 'database',
    });
  });

  it('does not claim stacks stackdrop did not create', () => {
    expect(parseStackName('other-acme-production-app')).toBeUndefined();
    expect(parseStackName('stackdrop-acme-production-unknown')).toBeUndefined();
  });
});
