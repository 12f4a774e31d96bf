import { describe, expect, it } from 'vitest';
import { generatedName } from '#local/cloudformation/providers/generic.ts';

describe('generatedName', () => {
  it('never leaves a doubled or trailing hyphen where the stack name is cut, as RDS identifiers require', () => {
    // Prepare: lengths at which the cut lands right after a hyphen of the stack name.
    const stack = 'stackdrop-acme-production-database';

    // Act
    const names = [44, 45, 63, 66, 67].map((max) =>
      generatedName(stack, 'Cluster', { max, lowercase: true }),
    );

    // Assess
    for (const name of names) {
      expect(name).toMatch(/^stackdrop-/);
      expect(name).not.toMatch(/--|-$/);
    }
    expect(names.map((n) => n.length).every((length, i) => length <= [44, 45, 63, 66, 67][i]!)).toBe(true);
  });
});
