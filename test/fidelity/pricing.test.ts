import { afterAll, beforeAll, describe, expect } from 'vitest';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

const GET_PRODUCTS =
  'https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html';

/** The Price List Query API as the AWS CLI (botocore's model) reads it. */
describe('AWS Price List GetProducts', () => {
  let cloud: FidelityCloud;

  beforeAll(async () => {
    cloud = await startFidelityCloud();
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await cloud.stop();
  }, HOOK_TIMEOUT);

  fidelity(
    'Each PriceList entry is a product as a JSON string, with its On-Demand terms',
    GET_PRODUCTS,
    async () => {
      const [out] = await cloud.aws([
        'pricing',
        'get-products',
        '--region',
        'us-east-1',
        '--service-code',
        'AWSELB',
        '--filters',
        'Type=TERM_MATCH,Field=regionCode,Value=us-east-1',
        'Type=TERM_MATCH,Field=usagetype,Value=LoadBalancerUsage',
        '--format-version',
        'aws_v1',
      ]);
      expect(out!.rc).toBe(0);
      expect(out!.json.FormatVersion).toBe('aws_v1');
      expect(out!.json.PriceList).toHaveLength(1);
      const entry = out!.json.PriceList[0];
      expect(typeof entry).toBe('string');
      const p = JSON.parse(entry);
      expect(p.product).toMatchObject({
        productFamily: 'Load Balancer-Application',
        attributes: { servicecode: 'AWSELB', regionCode: 'us-east-1', usagetype: 'LoadBalancerUsage' },
      });
      const [offer] = Object.values(p.terms.OnDemand) as Array<{ priceDimensions: object }>;
      const [dimension] = Object.values(offer!.priceDimensions) as Array<{
        unit: string;
        pricePerUnit: { USD: string };
      }>;
      expect(dimension).toMatchObject({ unit: 'Hrs', pricePerUnit: { USD: '0.0225' } });
    },
  );

  fidelity('A region code with no products answers an empty PriceList', GET_PRODUCTS, async () => {
    const [out] = await cloud.aws([
      'pricing',
      'get-products',
      '--region',
      'us-east-1',
      '--service-code',
      'AmazonEC2',
      '--filters',
      'Type=TERM_MATCH,Field=regionCode,Value=xx-nowhere-1',
    ]);
    expect(out!.rc).toBe(0);
    expect(out!.json.PriceList).toEqual([]);
  });

  fidelity(
    'FormatVersion other than aws_v1 is refused: InvalidParameterException',
    GET_PRODUCTS,
    async () => {
      const [out] = await cloud.aws([
        'pricing',
        'get-products',
        '--region',
        'us-east-1',
        '--service-code',
        'AmazonEC2',
        '--format-version',
        'aws_v2',
      ]);
      expect(cliError(out!).code).toBe('InvalidParameterException');
    },
  );
});
