import { readFileSync } from 'node:fs';
import type { StackStatusChangeEvent } from '#functions/stack-callback/index.ts';
import type { ObjectCreatedEvent } from '#shared/provision/load-manifest.ts';

interface Fixtures {
  'aws.s3/object-created': ObjectCreatedEvent & { id: string; time: string };
  'aws.cloudformation/stack-status-change': StackStatusChangeEvent;
}

/** A fresh copy of an event fixture (test/fixtures/events/<source>/<variant>.json), safe to change. */
export function loadEvent<K extends keyof Fixtures>(name: K): Fixtures[K] {
  const text = readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8');
  return structuredClone(JSON.parse(text)) as Fixtures[K];
}
