import type { StatusDocument } from '#shared/status.ts';

/** Stages in the order stackdrop creates them, with what each waits for (docs/architecture.md). */
export const STAGE_ORDER = ['network', 'database', 'edge', 'app'] as const;
export const STAGE_NEEDS: Record<string, string[]> = {
  network: [],
  database: ['network'],
  edge: ['network'],
  app: ['network', 'database', 'edge'],
};

/** `12 min 30 s`, or `12:30` (clock form) for elapsed-time prefixes. */
export function formatDuration(ms: number, clockForm = false): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (clockForm)
    return h > 0
      ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
      : `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (h > 0) return `${h} h ${m} min`;
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

/**
 * The critical path of a provisioning: from the last stage to finish, back through the
 * dependency that finished last each time. `end` is when the last stage finished (epoch ms).
 */
export function criticalPath(doc: StatusDocument, startedAt: number): { stages: string[]; end: number } {
  const finished = (stage: string) => {
    const s = doc.stacks[stage as keyof StatusDocument['stacks']];
    return s?.finishedAt ? Date.parse(s.finishedAt) : undefined;
  };
  let last: string | undefined;
  for (const stage of STAGE_ORDER) {
    const f = finished(stage);
    if (f !== undefined && (last === undefined || f >= finished(last)!)) last = stage;
  }
  if (!last) return { stages: [], end: startedAt };
  const stages = [last];
  let current = last;
  for (;;) {
    const needs = (STAGE_NEEDS[current] ?? []).filter((n) => finished(n) !== undefined);
    if (needs.length === 0) break;
    current = needs.reduce((a, b) => (finished(b)! > finished(a)! ? b : a));
    stages.unshift(current);
  }
  return { stages, end: finished(last)! };
}
