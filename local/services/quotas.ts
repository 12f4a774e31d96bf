import { findQuota, QUOTAS, type QuotaDefinition, type QuotaName } from '#shared/aws-rules/quotas.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * Per-cloud quota values (AWS's defaults from `shared/aws-rules/quotas.ts`, overridable with
 * `startLocalCloud({ quotas: { 'L-F678F1CE': 10 } })`, `cloud.quotas.set(...)` or
 * `POST /_local/quotas`), enforced by the service models and served over the Service Quotas API
 * (awsJson1_1, signing name `servicequotas`):
 * https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
 */
export class ServiceQuotasModel {
  readonly #cloud: LocalCloud;
  readonly #applied = new Map<QuotaName, number>();

  constructor(cloud: LocalCloud, overrides: Record<string, number> = {}) {
    this.#cloud = cloud;
    for (const [key, value] of Object.entries(overrides)) this.set(key, value);
  }

  /** Sets a quota by code (`L-F678F1CE`) or name (`vpcsPerRegion`); refuses unknown ones. */
  set(codeOrName: string, value: number): void {
    const q = findQuota(codeOrName);
    if (!q) {
      throw new AwsError(
        'NoSuchResourceException',
        `The local cloud models no quota ${codeOrName}. Known: ${Object.values(QUOTAS)
          .map((x) => `${x.quotaCode} (${x.quotaName})`)
          .join(', ')}.`,
      );
    }
    if (!Number.isFinite(value) || value < 0)
      throw new AwsError(
        'IllegalArgumentException',
        `Quota ${codeOrName} must be a number ≥ 0, got ${value}.`,
      );
    this.#applied.set(q.name, value);
  }

  /** Back to AWS's defaults. */
  reset(): void {
    this.#applied.clear();
  }

  /** The value in force for a quota. */
  value(name: QuotaName): number {
    return this.#applied.get(name) ?? QUOTAS[name].defaultValue;
  }

  /** Every quota with the value in force. */
  list(): Array<QuotaDefinition & { name: QuotaName; value: number }> {
    return (Object.keys(QUOTAS) as QuotaName[]).map((name) => ({
      ...QUOTAS[name],
      name,
      value: this.value(name),
    }));
  }

  /** Throws `error()` when adding one more would exceed the quota (`used` = how many exist now). */
  enforce(name: QuotaName, used: number, error: (limit: number) => AwsError): void {
    const limit = this.value(name);
    if (used + 1 > limit) throw error(limit);
  }

  #view(q: QuotaDefinition, value: number) {
    return {
      ServiceCode: q.serviceCode,
      ServiceName: q.serviceName,
      QuotaArn: `arn:aws:servicequotas:${this.#cloud.region}:${this.#cloud.accountId}:${q.serviceCode}/${q.quotaCode}`,
      QuotaCode: q.quotaCode,
      QuotaName: q.quotaName,
      Value: value,
      Unit: 'None',
      Adjustable: q.adjustable,
      GlobalQuota: false,
      QuotaAppliedAtLevel: 'ACCOUNT',
    };
  }

  #find(serviceCode: unknown, quotaCode: unknown): QuotaDefinition & { name: QuotaName } {
    const q = findQuota(String(quotaCode ?? ''));
    if (!q || q.serviceCode !== serviceCode) {
      throw new AwsError(
        'NoSuchResourceException',
        'The request failed because the specified quota does not exist.',
      );
    }
    return q;
  }

  #page<T>(items: T[], max: unknown, token: unknown): { page: T[]; NextToken?: string } {
    const start = token ? Number(Buffer.from(String(token), 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new AwsError('InvalidPaginationTokenException', 'Invalid pagination token.');
    const size = max === undefined ? 100 : Number(max);
    if (!Number.isInteger(size) || size < 1 || size > 100)
      throw new AwsError('IllegalArgumentException', 'MaxResults must be between 1 and 100.');
    const page = items.slice(start, start + size);
    const next =
      start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { page, NextToken: next };
  }

  #service(serviceCode: unknown) {
    const list = this.list().filter((q) => q.serviceCode === serviceCode);
    if (list.length === 0)
      throw new AwsError(
        'NoSuchResourceException',
        `The request failed because the specified service does not exist.`,
      );
    return list;
  }

  /** The wire definition registered with the kernel under `servicequotas`. */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'ServiceQuotasV20190624',
      operations: {
        GetServiceQuota: (input) => {
          const q = this.#find(input.ServiceCode, input.QuotaCode);
          return { Quota: this.#view(q, this.value(q.name)) };
        },
        GetAWSDefaultServiceQuota: (input) => {
          const q = this.#find(input.ServiceCode, input.QuotaCode);
          return { Quota: this.#view(q, q.defaultValue) };
        },
        ListServiceQuotas: (input) => {
          const { page, NextToken } = this.#page(
            this.#service(input.ServiceCode),
            input.MaxResults,
            input.NextToken,
          );
          return { Quotas: page.map((q) => this.#view(q, q.value)), NextToken };
        },
        ListAWSDefaultServiceQuotas: (input) => {
          const { page, NextToken } = this.#page(
            this.#service(input.ServiceCode),
            input.MaxResults,
            input.NextToken,
          );
          return { Quotas: page.map((q) => this.#view(q, q.defaultValue)), NextToken };
        },
        ListServices: () => ({
          Services: [...new Map(this.list().map((q) => [q.serviceCode, q.serviceName]))].map(
            ([ServiceCode, ServiceName]) => ({ ServiceCode, ServiceName }),
          ),
        }),
      },
    };
  }
}
