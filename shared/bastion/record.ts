import type { BastionRecord, StatusDocument } from '../status.ts';

/** A bastion that ended (expired or closed), with what the status record needs if it has none yet. */
export interface EndedBastion {
  instanceId: string;
  state: 'expired' | 'closed';
  at: Date;
  /** Used only when the document has no record of this instance (opened before it was recorded). */
  fallback: Omit<BastionRecord, 'state' | 'closedAt'>;
  closedBy?: string;
}

/**
 * Marks bastions ended in a status document and returns the instance ids whose record this call
 * changed. A record already expired or closed is left alone, so when two runs race over the same
 * instance only the write that wins records it (and only its caller emits the event).
 */
export function markBastionsEnded(doc: StatusDocument, ended: EndedBastion[]): Set<string> {
  const changed = new Set<string>();
  for (const bastion of ended) {
    const record = doc.bastions.find((r) => r.instanceId === bastion.instanceId);
    const closedAt = bastion.at.toISOString();
    const closedBy = bastion.closedBy ? { closedBy: bastion.closedBy } : {};
    if (!record) {
      doc.bastions.push({ ...bastion.fallback, state: bastion.state, closedAt, ...closedBy });
      changed.add(bastion.instanceId);
    } else if (record.state === 'open') {
      Object.assign(record, { state: bastion.state, closedAt, ...closedBy });
      changed.add(bastion.instanceId);
    }
  }
  return changed;
}
