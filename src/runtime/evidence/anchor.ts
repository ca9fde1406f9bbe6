import { iterateEntries } from '../../audit/audit-repository.ts';
import type { AuditEntry } from '../../audit/chain.ts';
import type { EvidenceAudit, EvidenceAuditEntry } from '../../audit/evidence/bundle.ts';
import type { AuditWriter } from '../../audit/writer.ts';
import type { CheckpointSigner } from '../../audit/checkpoint.ts';
import { MusterError } from '../../core/errors.ts';
import type { Store } from '../../store/store.ts';
import { checkpointCovering, eventEntrySeq, identityEntrySeqs, nextReturnEvent } from './rows.ts';

const BATCH = 1000;

function entryOf(e: AuditEntry): EvidenceAuditEntry {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    reason: e.reason,
    correlationId: e.correlationId,
    dataText: e.dataText,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * The first checkpoint at or after `seq` signed with the current key (the one the bundle names); when none covers it
 * yet, the log is sealed now (as the periodic checkpoint task does) and that one is used.
 */
async function covering(store: Store, audit: AuditWriter, seq: number, keyId: string) {
  const found = await checkpointCovering(store, seq, keyId);
  if (found) return found;
  await store.transaction((tx) => audit.seal(tx));
  const sealed = await checkpointCovering(store, seq, keyId);
  if (!sealed) throw new MusterError('MUSTER_ERR_AUDIT_CHAIN', `no signed checkpoint covers audit entry ${seq}, and sealing the log made none`);
  return sealed;
}

/**
 * The audit anchor of a leaver: the identity's entries from the one that recorded the event on (until the person is
 * back, if they are), every entry from the first of them to a signed checkpoint that covers them all, and that checkpoint.
 */
export async function auditAnchor(store: Store, audit: AuditWriter, signer: CheckpointSigner, identityId: string, event: { id: number; type: string; occurredAt: Date }): Promise<EvidenceAudit> {
  const first = await eventEntrySeq(store, identityId, event);
  if (first === undefined) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no audit entry records event ${event.id}`, [{ field: 'event', value: String(event.id), message: 'not in the audit log' }]);
  const back = await nextReturnEvent(store, identityId, event.id);
  const end = back ? await eventEntrySeq(store, identityId, { id: Number(back.id), type: back.type, occurredAt: new Date(back.occurred_at) }) : undefined;
  const leaverSeqs = await identityEntrySeqs(store, identityId, first, end);
  const checkpoint = await covering(store, audit, leaverSeqs.at(-1) ?? first, signer.keyId);
  const entries: EvidenceAuditEntry[] = [];
  for await (const e of iterateEntries(store, first, checkpoint.seq, BATCH)) entries.push(entryOf(e));
  return {
    key: { keyId: signer.keyId, publicKeyPem: signer.publicKeyPem },
    checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash, keyId: checkpoint.key_id, signature: checkpoint.signature },
    leaverSeqs: leaverSeqs.filter((seq) => seq <= checkpoint.seq),
    entries,
  };
}
