import type { PriceListFilter, PriceListProduct } from '#shared/aws-rules/price-list.ts';
import { AwsError } from '../errors.ts';
import type { ServiceDefinition } from '../kernel.ts';
import { priceListProducts } from './pricing-fixture.ts';

/**
 * The AWS Price List Query API (signing name `pricing`, awsJson1_1, target prefix
 * `AWSPriceListService`), answering GetProducts from the local price list (pricing-fixture.ts).
 * GetProducts, read 2026-12-07:
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html
 * - ServiceCode is required; FormatVersion is `aws_v1`; MaxResults is 1–100; every filter must match;
 * - PriceList holds one JSON string per product (product, serviceCode, terms);
 * - a filter on a Region code no product has (an unknown Region) answers an empty PriceList.
 * Filter, read 2026-12-07 (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_Filter.html):
 * TERM_MATCH and EQUALS match the value exactly, CONTAINS as a substring, ANY_OF / NONE_OF against
 * a comma-separated list; Field is 1–1024 characters.
 */

const FILTER_TYPES = new Set(['TERM_MATCH', 'EQUALS', 'CONTAINS', 'ANY_OF', 'NONE_OF']);

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

function fieldOf(p: PriceListProduct, field: string): string | undefined {
  if (field === 'ServiceCode') return p.serviceCode;
  if (field === 'productFamily') return p.product.productFamily;
  if (field === 'sku') return p.product.sku;
  return p.product.attributes[field];
}

function matches(p: PriceListProduct, f: PriceListFilter): boolean {
  const value = fieldOf(p, f.Field);
  const list = () => f.Value.split(',').map((v) => v.trim());
  switch (f.Type) {
    case 'TERM_MATCH':
    case 'EQUALS':
      return value === f.Value;
    case 'CONTAINS':
      return value?.includes(f.Value) ?? false;
    case 'ANY_OF':
      return value !== undefined && list().includes(value);
    case 'NONE_OF':
      return value === undefined || !list().includes(value);
  }
}

function checkFilters(filters: unknown): PriceListFilter[] {
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) throw invalid('Filters must be a list.');
  return filters.map((f: Partial<PriceListFilter>, i) => {
    if (!f || typeof f.Field !== 'string' || typeof f.Value !== 'string' || !f.Field || !f.Type)
      throw invalid(`Filters[${i}] needs Type, Field and Value.`);
    if (f.Field.length > 1024) throw invalid(`Filters[${i}].Field is longer than 1024 characters.`);
    if (!FILTER_TYPES.has(f.Type))
      throw invalid(`Filters[${i}].Type ${f.Type} is not one of ${[...FILTER_TYPES].join(', ')}.`);
    return f as PriceListFilter;
  });
}

/** The Price List service registered with the kernel under `pricing`. */
export function pricingService(): ServiceDefinition {
  const products = priceListProducts();
  return {
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSPriceListService',
    operations: {
      GetProducts: (input) => {
        const serviceCode = input.ServiceCode;
        if (typeof serviceCode !== 'string' || serviceCode === '') throw invalid('ServiceCode is required.');
        if (input.FormatVersion !== undefined && input.FormatVersion !== 'aws_v1')
          throw invalid(`FormatVersion ${input.FormatVersion} is not supported; use aws_v1.`);
        const max = input.MaxResults === undefined ? 100 : Number(input.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > 100)
          throw invalid('MaxResults must be between 1 and 100.');
        const filters = checkFilters(input.Filters);
        const start = input.NextToken
          ? Number(Buffer.from(String(input.NextToken), 'base64url').toString())
          : 0;
        if (!Number.isInteger(start) || start < 0)
          throw new AwsError(
            'InvalidNextTokenException',
            'The pagination token is invalid. Try again without a pagination token.',
          );
        const found = products.filter(
          (p) => p.serviceCode === serviceCode && filters.every((f) => matches(p, f)),
        );
        const page = found.slice(start, start + max);
        const next =
          start + max < found.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
        return {
          FormatVersion: 'aws_v1',
          PriceList: page.map((p) => JSON.stringify(p)),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
  };
}
