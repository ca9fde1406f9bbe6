import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENESIS_HASH, entryHash } from '../chain.ts';
import { generateSigningKeyPem, signerFromPem } from '../checkpoint.ts';
import type { EvidenceAudit, EvidenceAuditEntry } from './bundle.ts';
import { checkAuditChain } from './verify-audit.ts';

const signer = signerFromPem(generateSigningKeyPem());

function chain(count: number): EvidenceAuditEntry[] {
  const entries: EvidenceAuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const base = {
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
      actor: 'muster',
      action: 'certificate.revoked',
      target: 'person-1',
      reason: null,
      correlationId: 'hr-1',
      dataText: `{"n":${seq}}`,
      prevHash,
    };
    const hash = entryHash(base);
    entries.push({ ...base, at: base.at.toISOString(), hash });
    prevHash = hash;
  }
  return entries;
}

function anchor(entries: EvidenceAuditEntry[], leaverSeqs = [2, 3]): EvidenceAudit {
  const last = entries.at(-1) as EvidenceAuditEntry;
  return {
    key: { keyId: signer.keyId, publicKeyPem: signer.publicKeyPem },
    checkpoint: { seq: last.seq, hash: last.hash, keyId: signer.keyId, signature: signer.sign(last.seq, last.hash) },
    leaverSeqs,
    entries,
  };
}

const failedChecks = async (audit: EvidenceAudit) => (await checkAuditChain(audit, signer.publicKeyPem)).filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`);

test('entries that chain to a signed checkpoint pass both checks', async () => {
  assert.deepEqual(await failedChecks(anchor(chain(5))), []);
});

test('an edited entry, a missing entry, a missing leaver entry or a foreign signature each fail, naming the break', async () => {
  const entries = chain(5);
  const edited = entries.map((e) => (e.seq === 3 ? { ...e, dataText: '{"n":33}' } : e));
  assert.deepEqual(await failedChecks({ ...anchor(entries), entries: edited }), ['audit chain: entry 3 does not match its hash']);
  const gap = entries.filter((e) => e.seq !== 4);
  assert.deepEqual(await failedChecks({ ...anchor(entries), entries: gap }), ['audit chain: entry 5 follows entry 3: entries are missing']);
  assert.deepEqual(await failedChecks(anchor(entries, [2, 9])), ["audit chain: the leaver's entries 9 are not in the bundle"]);
  const other = signerFromPem(generateSigningKeyPem());
  const last = entries.at(-1) as EvidenceAuditEntry;
  const forged = { ...anchor(entries), checkpoint: { seq: last.seq, hash: last.hash, keyId: signer.keyId, signature: other.sign(last.seq, last.hash) } };
  assert.deepEqual(await failedChecks(forged), ['audit checkpoint: the signature of checkpoint 5 does not verify']);
});

test('entries that stop short of the checkpoint fail', async () => {
  const entries = chain(5);
  assert.deepEqual(await failedChecks({ ...anchor(entries), entries: entries.slice(0, 4) }), ["audit chain: the entries do not end at the checkpoint's entry 5"]);
});
