import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EcrImageActionEvent } from '#shared/rollout/event.ts';
import { deployMessage } from '#shared/rollout/message.ts';
import { digest, type FakeAws, pushEvent } from './fake-aws.ts';
import { FifoQueue } from './fifo-queue.ts';

const T0 = new Date('2026-11-26T06:00:00Z');

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Burst {
  repositories: string[];
  /** Newest deploy-tag push per repository: what each must end up running. */
  newest: Map<string, string>;
  queue: FifoQueue;
}

/**
 * `pushes` ECR pushes over `repositoryCount` projects: 70 % deploy tag, 20 % commit tags, 10 %
 * untagged, ~10 % exact duplicates, delivered in a roughly (not strictly) chronological order.
 * Every push is in the fake ECR and sent to a FIFO queue model.
 */
export function seedBurst(aws: FakeAws, pushes: number, repositoryCount: number, seed = 42): Burst {
  const rand = random(seed);
  const repositories = Array.from({ length: repositoryCount }, (_, i) => {
    const project = `app${String(i).padStart(2, '0')}`;
    return aws.addProject({ project, workers: [{ name: 'default', desiredCount: 1 }], scheduler: false })
      .repository;
  });
  const events: EcrImageActionEvent[] = [];
  const newestAt = new Map<string, { digest: string; at: number }>();
  for (let i = 0; i < pushes; i++) {
    if (i > 0 && rand() < 0.1) {
      events.push(structuredClone(events[Math.floor(rand() * events.length)]!));
      continue;
    }
    const repository = repositories[Math.floor(rand() * repositories.length)]!;
    const roll = rand();
    const tag = roll < 0.7 ? 'main' : roll < 0.9 ? `sha-${i}` : undefined;
    // Unique push times in a 1,000 s window, not in loop order.
    const at = new Date(T0.getTime() + ((i * 7919) % pushes) * 1000);
    const image = digest(i + 1);
    aws.pushImage(repository, image, tag, at);
    events.push(pushEvent(repository, image, tag, at, `evt-${i}`));
    if (tag === 'main' && at.getTime() > (newestAt.get(repository)?.at ?? -1)) {
      newestAt.set(repository, { digest: image, at: at.getTime() });
    }
  }
  for (let i = events.length - 1; i > 0; i--) {
    if (rand() < 0.5) continue;
    const j = Math.max(0, i - Math.floor(rand() * 20));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  const queue = new FifoQueue(aws.now);
  for (const event of events) queue.send(deployMessage(event));
  return {
    repositories,
    newest: new Map([...newestAt].map(([repository, v]) => [repository, v.digest])),
    queue,
  };
}

/** Drains the queue like the event source mapping: up to `concurrency` batches in flight at once. */
export async function drain(
  queue: FifoQueue,
  concurrency: number,
  handle: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<number> {
  let invocations = 0;
  while (queue.size > 0) {
    const batches = [];
    for (let i = 0; i < concurrency; i++) {
      const batch = queue.receive(10);
      if (batch.length > 0) batches.push(batch);
    }
    if (batches.length === 0) throw new Error('queue stuck: messages left but none deliverable');
    invocations += batches.length;
    const responses = await Promise.all(batches.map((batch) => handle({ Records: batch })));
    for (const [i, batch] of batches.entries()) queue.complete(batch, responses[i]!);
  }
  return invocations;
}
