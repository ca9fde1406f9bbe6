import { createHash, createPublicKey } from 'node:crypto';
import { entryHash } from '../chain.ts';
import { keyIdOf, verifyCheckpoint } from '../checkpoint.ts';
import type { EvidenceAudit, EvidenceAuditEntry } from './bundle.ts';
import { type EvidenceCheck, attempt, fail, pass } from './checks.ts';

function recomputed(e: EvidenceAuditEntry): string {
  return entryHash({
    seq: e.seq,
    at: new Date(e.at),
    actor: e.actor,
    action: e.action,
    target: e.target,
    reason: e.reason,
    correlationId: e.correlationId,
    dataText: e.dataText,
    prevHash: e.prevHash,
  });
}

/** The first break in the entries' chain: a gap, a hash that does not match the entry, or a link to another entry. */
function chainBreak(entries: readonly EvidenceAuditEntry[]): string | undefined {
  for (const [i, e] of entries.entries()) {
    const before = entries[i - 1];
    if (before && e.seq !== before.seq + 1) return `entry ${e.seq} follows entry ${before.seq}: entries are missing`;
    if (before && e.prevHash !== before.hash) return `entry ${e.seq} does not link to entry ${before.seq}`;
    if (recomputed(e) !== e.hash) return `entry ${e.seq} does not match its hash`;
  }
  return undefined;
}

/** The entries chain up to the checkpoint, the checkpoint is signed by the audit key, and every leaver entry is among them. */
export async function checkAuditChain(audit: EvidenceAudit, publicKeyPem: string): Promise<EvidenceCheck[]> {
  const { checkpoint, entries } = audit;
  const chain = await attempt('audit chain', () => {
    const broken = chainBreak(entries);
    if (broken) return fail('audit chain', broken);
    const last = entries.at(-1);
    if (!last || last.seq !== checkpoint.seq || last.hash !== checkpoint.hash) return fail('audit chain', `the entries do not end at the checkpoint's entry ${checkpoint.seq}`);
    const missing = audit.leaverSeqs.filter((seq) => !entries.some((e) => e.seq === seq));
    if (missing.length > 0 || audit.leaverSeqs.length === 0) return fail('audit chain', `the leaver's entries ${missing.join(', ')} are not in the bundle`);
    return pass('audit chain', `${entries.length} entries (${audit.leaverSeqs.length} of the leaver) from ${entries[0]?.seq} chain to entry ${checkpoint.seq}`);
  });
  const signed = await attempt('audit checkpoint', () => {
    if (checkpoint.keyId !== keyIdOf(createPublicKey(publicKeyPem))) return fail('audit checkpoint', `signed with key ${checkpoint.keyId}, not the audit key`);
    if (!verifyCheckpoint(publicKeyPem, checkpoint.seq, checkpoint.hash, checkpoint.signature)) return fail('audit checkpoint', `the signature of checkpoint ${checkpoint.seq} does not verify`);
    return pass('audit checkpoint', `checkpoint ${checkpoint.seq} (hash ${checkpoint.hash.slice(0, 16)}…) signed by the audit key`);
  });
  return [chain, signed];
}

/** The hex SHA-256 of a key's SPKI, as an auditor compares it. */
export function keyFingerprint(publicKeyPem: string): string {
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}
