import type { TurnRecord } from '#shared/provision/turn.ts';
import type { StatusDocument } from '#shared/status.ts';

/**
 * The invariants a fleet provisioning must keep, checked on what S3 stored. Pure, so that
 * test/unit/fleet-invariants.test.ts can show each check catches the defect it is for.
 */

export type TurnFile = TurnRecord;

const entry = (x: unknown) => JSON.stringify(x);

/**
 * A lost update shows in the version history of a status document: a writer that overwrote the
 * document without seeing the version before it drops what that version added (a history entry,
 * a stack record, an output, a deploy or a bastion). Every version must keep what the one
 * before it had; history may only lose its oldest entries to the trim.
 */
export function checkStatusVersions(project: string, versions: StatusDocument[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < versions.length; i++) {
    const prev = versions[i - 1]!;
    const next = versions[i]!;
    const where = `${project}: status version ${i + 1} of ${versions.length}`;
    const oldestKept = next.history[0]?.at ?? '';
    const kept = new Set(next.history.map(entry));
    for (const h of prev.history)
      if (h.at >= oldestKept && !kept.has(entry(h))) problems.push(`${where} lost history entry ${entry(h)}`);
    for (const stage of Object.keys(prev.stacks) as Array<keyof StatusDocument['stacks']>) {
      const before = prev.stacks[stage]!;
      const after = next.stacks[stage];
      if (!after) problems.push(`${where} lost the ${stage} stack record`);
      else if (before.startedAt && after.startedAt !== before.startedAt)
        problems.push(`${where} changed the ${stage} stack's startedAt`);
    }
    for (const key of Object.keys(prev.outputs))
      if (!(key in next.outputs)) problems.push(`${where} lost output ${key}`);
    const deploys = new Set(next.deploys.map((d) => d.id));
    for (const d of prev.deploys) if (!deploys.has(d.id)) problems.push(`${where} lost deploy ${d.id}`);
    const bastions = new Set(next.bastions.map((b) => b.instanceId));
    for (const b of prev.bastions)
      if (!bastions.has(b.instanceId)) problems.push(`${where} lost bastion ${b.instanceId}`);
  }
  return problems;
}

/** The project's turn is free again, and the run that held it is the one recorded as completed. */
export function checkTurnReleased(
  project: string,
  turn: TurnFile | undefined,
  executionArn?: string,
): string[] {
  if (!turn) return [`${project}: no turn record`];
  const problems: string[] = [];
  if (turn.holder) problems.push(`${project}: turn still held by ${turn.holder.executionId}`);
  if (turn.waiting) problems.push(`${project}: a run still waits for the turn (${turn.waiting.executionId})`);
  if (executionArn && turn.lastCompleted?.executionId !== executionArn)
    problems.push(
      `${project}: last completed ${turn.lastCompleted?.executionId ?? 'nothing'}, not ${executionArn}`,
    );
  return problems;
}
