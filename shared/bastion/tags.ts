import type { Tag } from '@aws-sdk/client-ec2';
import { TAG_EXPIRES_AT, TAG_MANAGED } from '../naming.ts';

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** `stackdrop:expires-at` value: ISO 8601 UTC to the second (`2026-11-26T08:00:00Z`). */
export function formatExpiry(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/**
 * Reads a `stackdrop:expires-at` value; undefined unless it is a real ISO 8601 UTC instant
 * (no offsets, no dates such as 2026-02-30 that Date would roll over).
 */
export function parseExpiry(text: string | undefined): Date | undefined {
  const match = text === undefined ? null : ISO_UTC.exec(text);
  if (!match) return undefined;
  const at = new Date(text!);
  if (Number.isNaN(at.getTime())) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const roundTrips =
    at.getUTCFullYear() === Number(y) &&
    at.getUTCMonth() + 1 === Number(mo) &&
    at.getUTCDate() === Number(d) &&
    at.getUTCHours() === Number(h) &&
    at.getUTCMinutes() === Number(mi) &&
    at.getUTCSeconds() === Number(s);
  return roundTrips ? at : undefined;
}

/**
 * A bastion is expired from its expiry instant on: at `now === expiresAt` the TTL is used up, so
 * the reaper terminates it.
 */
export function isExpired(expiresAt: Date, now: Date): boolean {
  return now.getTime() >= expiresAt.getTime();
}

/** The value of one tag, or undefined. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/** Whether stackdrop created this resource (`stackdrop:managed` is exactly `true`). */
export function isManaged(tags: Tag[] | undefined): boolean {
  return tagValue(tags, TAG_MANAGED) === 'true';
}

/** The expiry tag of a resource, parsed; `malformed` when present but unreadable. */
export function readExpiry(tags: Tag[] | undefined): Date | 'missing' | 'malformed' {
  const raw = tagValue(tags, TAG_EXPIRES_AT);
  if (raw === undefined) return 'missing';
  return parseExpiry(raw) ?? 'malformed';
}

/** Makes free text safe for an EC2 tag value (letters, digits, spaces and `+ - = . _ : / @`, ≤ 256). */
export function toTagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, 256);
}
