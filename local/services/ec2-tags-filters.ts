/**
 * EC2 tags (CreateTags, DeleteTags, TagSpecifications) and the Describe* machinery every EC2 read
 * shares: filters (tag:Key, tag-key, globs) and NextToken pagination. Split from ec2.ts.
 */
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type { Filter, TagSpecification, Tags } from './ec2-records.ts';
import { notFound } from './ec2-records.ts';

/** Glob match for EC2 filter values (`*` and `?`). */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** NextToken pagination: the token is the offset, opaque to clients. */
export function paginate<T>(
  items: T[],
  max: number | undefined,
  token: string | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0)
      throw new AwsError('InvalidNextToken', 'The specified token is invalid.');
  }
  if (!max) return { page: items.slice(start) };
  const page = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { page, nextToken: next };
}

// ---- tags ------------------------------------------------------------------------------
export function tagsOf(this: Ec2Model, id: string): Array<{ Key: string; Value: string }> {
  return Object.entries(this.tags.get(id) ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/** Adds or overwrites tags on resources. */
export function createTags(
  this: Ec2Model,
  resourceIds: string[],
  tags: Array<{ Key?: string; Value?: string }>,
): void {
  for (const id of resourceIds) {
    if (!this.exists(id)) throw notFound(id);
    const t = this.tags.get(id) ?? {};
    for (const tag of tags) if (tag.Key) t[tag.Key] = tag.Value ?? '';
    this.tags.set(id, t);
  }
}

/** Removes tags (a tag with a Value is removed only when the value matches). */
export function deleteTags(
  this: Ec2Model,
  resourceIds: string[],
  tags: Array<{ Key?: string; Value?: string }> | undefined,
): void {
  for (const id of resourceIds) {
    const t = this.tags.get(id);
    if (!t) continue;
    if (!tags || tags.length === 0) this.tags.delete(id);
    else
      for (const tag of tags)
        if (tag.Key && (tag.Value === undefined || t[tag.Key] === tag.Value)) delete t[tag.Key];
  }
}

export function applyTagSpecs(
  this: Ec2Model,
  id: string,
  type: string,
  specs: TagSpecification[] | undefined,
  extra: Tags = {},
): void {
  const t: Tags = { ...extra };
  for (const spec of specs ?? []) {
    if (spec.ResourceType && spec.ResourceType !== type) continue;
    for (const tag of spec.Tags ?? []) if (tag.Key) t[tag.Key] = tag.Value ?? '';
  }
  if (Object.keys(t).length) this.tags.set(id, t);
}

export function exists(this: Ec2Model, id: string): boolean {
  return (
    [
      this.vpcs,
      this.subnets,
      this.internetGateways,
      this.routeTables,
      this.natGateways,
      this.addresses,
      this.securityGroups,
      this.vpcEndpoints,
      this.instances,
    ].some((m) => (m as Map<string, unknown>).has(id)) || this.networkInterfaces.has(id)
  );
}

export function tagFilterValues(this: Ec2Model, id: string, name: string): string[] | undefined {
  const t = this.tags.get(id) ?? {};
  if (name === 'tag-key') return Object.keys(t);
  if (name === 'tag-value') return Object.values(t);
  if (name.startsWith('tag:')) {
    const v = t[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  return undefined;
}

/** Applies EC2 filters: every filter must match (AND), any of its values (OR, with wildcards). */
export function filter<T>(
  this: Ec2Model,
  items: T[],
  filters: Filter[] | undefined,
  idOf: (item: T) => string,
  fields: (item: T) => Record<string, Array<string | undefined>>,
): T[] {
  if (!filters || filters.length === 0) return items;
  return items.filter((item) => {
    const f = fields(item);
    return filters.every((filter) => {
      const name = filter.Name ?? '';
      const values = this.tagFilterValues(idOf(item), name) ?? f[name];
      if (values === undefined) {
        throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
      }
      return (filter.Values ?? []).some((pattern) =>
        values.some((v) => v !== undefined && globMatch(pattern, v)),
      );
    });
  });
}
