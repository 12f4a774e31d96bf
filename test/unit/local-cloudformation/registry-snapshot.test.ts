import { describe, expect, it } from 'vitest';
import { registrySnapshot } from '#local/cloudformation/validate/schemas.ts';
import { drift, findCfnLint } from '../../../scripts/import-cfn-schemas.ts';

describe('the committed registry schema snapshot', () => {
  it('matches the installed cfn-lint and so covers every type the templates and tests name', () => {
    const lint = findCfnLint();
    if (!lint) {
      // Nothing to compare with on a machine without cfn-lint: the committed snapshot stands.
      console.log('cfn-lint is not installed: registry snapshot drift not checked');
      expect(registrySnapshot().types.length).toBeGreaterThan(0);
      return;
    }
    expect(drift(lint), `run: node scripts/import-cfn-schemas.ts (cfn-lint ${lint.version})`).toEqual([]);
  }, 60_000);
});
