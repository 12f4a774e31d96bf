/**
 * Systems Manager Parameter Store rules, copied from AWS's documentation (read 2026-12-07).
 *
 * Sources:
 * - names (charset, reserved `aws`/`ssm` prefixes, 15 levels, 1,011 usable characters):
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 * - value sizes per tier (Standard 4 KB, Advanced 8 KB) and Intelligent-Tiering:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 * - DescribeParameters filters and page size:
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ParameterStringFilter.html
 */
export const SSM_READ_ON = '2026-12-07';

export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';

/** Largest value (characters) per tier. */
export const SSM_MAX_VALUE: Readonly<Record<'Standard' | 'Advanced', number>> = {
  Standard: 4096,
  Advanced: 8192,
};

/** Deepest parameter hierarchy. */
export const SSM_MAX_HIERARCHY_LEVELS = 15;
/** Name length: the API's 2,048 includes 1,037 characters AWS reserves for the ARN. */
export const SSM_MAX_NAME_LENGTH = 1011;
/** DescribeParameters MaxResults range. */
export const SSM_DESCRIBE_MAX_RESULTS = 50;

/** DescribeParameters filter keys (Label is GetParametersByPath only) and their options. */
export const SSM_DESCRIBE_FILTER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Type: ['Equals', 'BeginsWith'],
  KeyId: ['Equals', 'BeginsWith'],
  Tier: ['Equals', 'BeginsWith'],
  DataType: ['Equals', 'BeginsWith'],
  Path: ['Recursive', 'OneLevel'],
  tag: ['Equals', 'BeginsWith'],
};

/** Why a parameter name is refused, or undefined when AWS accepts it. */
export function parameterNameProblem(
  name: string,
): { kind: 'reserved-path' | 'invalid' | 'too-deep' | 'too-long'; detail: string } | undefined {
  if (name.length > SSM_MAX_NAME_LENGTH) return { kind: 'too-long', detail: `${name.length} characters` };
  if (/^\/aws\//i.test(name)) return { kind: 'reserved-path', detail: name };
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (/^(aws|ssm)/i.test(bare)) return { kind: 'invalid', detail: 'reserved prefix' };
  if (name === '' || name.endsWith('/') || !/^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name)) {
    return { kind: 'invalid', detail: 'characters' };
  }
  if (bare.split('/').length > SSM_MAX_HIERARCHY_LEVELS) return { kind: 'too-deep', detail: name };
  return undefined;
}

/** The tier a value lands in: Intelligent-Tiering picks Advanced only when Standard cannot hold it. */
export function effectiveTier(requested: ParameterTier, value: string): 'Standard' | 'Advanced' {
  if (requested === 'Intelligent-Tiering') {
    return [...value].length > SSM_MAX_VALUE.Standard ? 'Advanced' : 'Standard';
  }
  return requested;
}
