import { describe, expect, it } from 'vitest';
import { awsQueryResponse } from '#local/protocols/query.ts';
import { loadSdk, operationSchemas } from '#local/protocols/schemas.ts';

// botocore reads an awsQuery answer through its `<XResult>` wrapper: an empty structure output
// still needs the element (the CLI exits 255 without it); a "unit" output has none.
describe('awsQuery success envelopes', () => {
  it.each([
    '@aws-sdk/client-cloudformation',
    '@aws-sdk/client-elastic-load-balancing-v2',
    '@aws-sdk/client-rds',
    '@aws-sdk/client-sts',
  ])('writes the result element of every empty-structure output of %s', async (pkg) => {
    const sdk = await loadSdk(pkg);
    const operations = Object.keys(sdk)
      .filter((k) => k.endsWith('$') && Array.isArray(sdk[k]) && (sdk[k] as unknown[])[0] === 9)
      .map((k) => k.slice(0, -1));
    let empty = 0;
    for (const operation of operations) {
      const { output } = operationSchemas(sdk, operation)!;
      const xml = awsQueryResponse(operation, output, {}, 'urn:x', 'req-1');
      if (output.isStructSchema()) {
        if ([...output.structIterator()].length === 0) empty++;
        expect(xml, operation).toMatch(new RegExp(`<${operation}Result(/>|>)`));
      } else expect(xml, operation).not.toContain(`<${operation}Result`);
    }
    expect(operations.length).toBeGreaterThan(0);
    if (pkg.includes('cloudformation')) expect(empty).toBeGreaterThanOrEqual(3);
  });
});
