import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, matchesPattern, parseEventPattern } from '#local/events/pattern.ts';

const event = {
  version: '0',
  id: 'e1',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '000000000000',
  time: '2026-11-26T06:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    'action-type': 'PUSH',
    result: 'SUCCESS',
    'repository-name': 'acme-web',
    'image-tag': 'main',
    size: 42,
    tags: ['a', 'b'],
    nested: { state: 'Running' },
    ip: '10.0.1.7',
  },
};

describe('event patterns', () => {
  it.each([
    ['exact value', { source: ['aws.ecr'] }, true],
    ['exact value mismatch', { source: ['aws.s3'] }, false],
    ['any of several values', { source: ['aws.s3', 'aws.ecr'] }, true],
    ['nested exact', { detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } }, true],
    ['all fields must match', { detail: { 'action-type': ['PUSH'], result: ['FAILURE'] } }, false],
    ['prefix', { detail: { 'repository-name': [{ prefix: 'acme-' }] } }, true],
    ['prefix mismatch', { detail: { 'repository-name': [{ prefix: 'other-' }] } }, false],
    [
      'prefix ignoring case',
      { detail: { 'repository-name': [{ prefix: { 'equals-ignore-case': 'ACME' } }] } },
      true,
    ],
    ['suffix', { detail: { 'repository-name': [{ suffix: '-web' }] } }, true],
    ['anything-but value', { detail: { result: [{ 'anything-but': 'FAILURE' }] } }, true],
    ['anything-but list hit', { detail: { result: [{ 'anything-but': ['SUCCESS', 'X'] }] } }, false],
    [
      'anything-but prefix',
      { detail: { 'repository-name': [{ 'anything-but': { prefix: 'acme' } }] } },
      false,
    ],
    ['numeric range', { detail: { size: [{ numeric: ['>', 10, '<=', 42] }] } }, true],
    ['numeric out of range', { detail: { size: [{ numeric: ['<', 10] }] } }, false],
    ['exists true', { detail: { 'image-tag': [{ exists: true }] } }, true],
    ['exists false on a present field', { detail: { 'image-tag': [{ exists: false }] } }, false],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['equals-ignore-case', { detail: { result: [{ 'equals-ignore-case': 'success' }] } }, true],
    ['wildcard', { detail: { 'repository-name': [{ wildcard: 'acme-*' }] } }, true],
    ['wildcard mismatch', { detail: { 'repository-name': [{ wildcard: '*-api' }] } }, false],
    ['array value matches any element', { detail: { tags: ['b'] } }, true],
    ['cidr', { detail: { ip: [{ cidr: '10.0.0.0/16' }] } }, true],
    ['deeply nested', { detail: { nested: { state: ['Running'] } } }, true],
    ['$or', { $or: [{ source: ['aws.s3'] }, { detail: { 'image-tag': ['main'] } }] }, true],
    ['$or none', { $or: [{ source: ['aws.s3'] }, { detail: { 'image-tag': ['dev'] } }] }, false],
    ['missing field with a value matcher', { detail: { nope: ['x'] } }, false],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('rejects patterns EventBridge would reject', () => {
    expect(() => parseEventPattern('{"source": "aws.s3"}')).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern('{"source": []}')).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern('{"a": [{"bogus": 1}]}')).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern('{"a": [{"numeric": [">"]}]}')).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern('not json')).toThrow(InvalidEventPatternError);
    expect(parseEventPattern('{"source": ["aws.s3"]}')).toEqual({ source: ['aws.s3'] });
  });
});
