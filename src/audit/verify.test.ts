import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from '../store/store.ts';
import { type AuditEntry, entryHash } from './chain.ts';
import { buildLog, resetAudit, tamper, testKey } from './test-fixtures.ts';
import { type VerifyResult, verifyAuditLog } from './verify.ts';

const INSERT = `INSERT INTO audit_log (seq, at, actor, action, target, reason, correlation_id, data, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

function rehashed(entry: AuditEntry, changes: Partial<AuditEntry>): AuditEntry {
  const merged = { ...entry, ...changes };
  const { hash: _old, ...rest } = { ...merged, dataText: changes.data ? JSON.stringify(changes.data) : merged.dataText };
  return { ...rest, hash: entryHash(rest) };
}

describeEachStore('audit log verification', (factory) => {
  const key = testKey();
  let store: Store;
  let log: AuditEntry[];

  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await resetAudit(store);
    log = await buildLog(store, key.signer);
  });

  /** Verifies with batches smaller than the log (crossing every kind of boundary) and with one batch: both must agree. */
  async function verify(keys: Parameters<typeof verifyAuditLog>[1] = key): Promise<VerifyResult> {
    const small = await verifyAuditLog(store, keys, { batchSize: 3 });
    const whole = await verifyAuditLog(store, keys);
    assert.deepEqual(small, whole);
    return whole;
  }

  async function assertFirstBad(seq: number, problem: RegExp): Promise<VerifyResult> {
    const result = await verify();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad?.seq, seq, `first bad: ${result.firstBad?.problem}`);
    assert.match(result.firstBad?.problem ?? '', problem);
    return result;
  }

  function entry(seq: number): AuditEntry {
    const found = log[seq - 1];
    assert.ok(found);
    return found;
  }

  async function rewrite(entries: readonly AuditEntry[]): Promise<void> {
    for (const e of entries) {
      await tamper(store, 'UPDATE audit_log SET action = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [e.seq, e.action, e.prevHash, e.hash]);
    }
  }

  it('passes an intact log written over several transactions', async () => {
    const result = await verify();
    assert.equal(log.length, 12);
    assert.deepEqual({ ...result, warnings: result.warnings.length }, { ok: true, entries: 12, checkpoints: 2, warnings: 1 });
    assert.match(result.warnings[0] ?? '', /entries 11\.\.12 are not yet covered/);
  });

  it('passes an empty log', async () => {
    await resetAudit(store);
    assert.deepEqual(await verify(), { ok: true, entries: 0, checkpoints: 0, warnings: [] });
  });

  it('names an entry whose action was edited', async () => {
    await tamper(store, `UPDATE audit_log SET action = 'identity.delete' WHERE seq = 7`);
    await assertFirstBad(7, /^entry 7: hash does not match its contents \(edited\)$/);
  });

  it('names an entry with a key inside data edited (jsonb_set)', async () => {
    await tamper(store, `UPDATE audit_log SET data = jsonb_set(data::jsonb, '{alpha,y}', '999')::json WHERE seq = 4`);
    await assertFirstBad(4, /^entry 4: hash does not match its contents \(edited\)$/);
  });

  it('names a deleted middle entry', async () => {
    await tamper(store, 'DELETE FROM audit_log WHERE seq = 6');
    await assertFirstBad(6, /^entry 6: missing \(expected seq 6, found 7\)$/);
  });

  it('detects deleted newest entries through a checkpoint past the end', async () => {
    await tamper(store, 'DELETE FROM audit_log WHERE seq >= 9');
    const result = await assertFirstBad(9, /^entry 9: missing \(the log ends at seq 8 but checkpoint 10 was signed/);
    assert.equal(result.entries, 8);
    assert.equal(result.checkpoints, 2);
  });

  it('names an entry inserted in the middle with the later seqs shifted', async () => {
    await tamper(store, 'UPDATE audit_log SET seq = -seq WHERE seq >= 6');
    await store.query('UPDATE audit_log SET seq = 1 - seq WHERE seq < 0');
    const base = { ...entry(6), actor: 'admin:mallory', action: 'privilege.grant', data: { role: 'root' }, prevHash: entry(5).hash };
    const f = rehashed(base, {});
    await store.query(INSERT, [f.seq, f.at, f.actor, f.action, f.target, f.reason, f.correlationId, f.dataText, f.prevHash, f.hash]);
    const result = await assertFirstBad(6, /^entry 6: inserted \(entry 7's prev_hash links to entry 5\)$/);
    assert.equal(result.entries, 13);
  });

  it('names the first of two entries whose contents were swapped (reordering)', async () => {
    await tamper(
      store,
      `UPDATE audit_log a SET at = b.at, actor = b.actor, action = b.action, target = b.target, reason = b.reason,
         correlation_id = b.correlation_id, data = b.data, prev_hash = b.prev_hash, hash = b.hash
       FROM audit_log b WHERE (a.seq = 3 AND b.seq = 4) OR (a.seq = 4 AND b.seq = 3)`,
    );
    await assertFirstBad(3, /^entry 3: hash does not match its contents/);
  });

  it('names an entry edited and re-hashed consistently while its successors were left alone', async () => {
    await rewrite([rehashed(entry(7), { action: 'identity.delete' })]);
    await assertFirstBad(7, /^entry 7: rewritten \(its hash no longer matches the prev_hash recorded in entry 8\)$/);
  });

  it('names an entry re-hashed with a new prev_hash (its successor no longer links to it)', async () => {
    await rewrite([rehashed(entry(7), { prevHash: 'f'.repeat(64) })]);
    await assertFirstBad(7, /^entry 7: prev_hash does not match entry 6$/);
  });

  it('catches a rewrite re-chained through the tail at the next signed checkpoint', async () => {
    const chain: AuditEntry[] = [];
    let prevHash = entry(6).hash;
    for (const e of log.slice(6)) {
      const next = rehashed(e, { prevHash, ...(e.seq === 7 ? { action: 'identity.delete' } : {}) });
      chain.push(next);
      prevHash = next.hash;
    }
    await rewrite(chain);
    await assertFirstBad(10, /^entry 10: hash differs from the signed checkpoint at seq 10 \(an entry in 6\.\.10 was rewritten\)$/);
  });

  it('fails a checkpoint whose signature was forged', async () => {
    const mallory = testKey();
    await tamper(store, 'UPDATE audit_checkpoints SET signature = $1 WHERE seq = 10', [mallory.signer.sign(10, entry(10).hash)]);
    await assertFirstBad(10, new RegExp(`^checkpoint 10: signature does not verify with key ${key.signer.keyId} \\(forged\\)$`));
  });

  it('fails a checkpoint signed by an unknown key', async () => {
    const mallory = testKey();
    await tamper(store, 'UPDATE audit_checkpoints SET key_id = $1, signature = $2 WHERE seq = 5', [mallory.signer.keyId, mallory.signer.sign(5, entry(5).hash)]);
    await assertFirstBad(5, new RegExp(`^checkpoint 5: signed by unknown key ${mallory.signer.keyId}$`));
  });

  it('only warns about a checkpoint signed by a key known from settings but not trusted', async () => {
    const other = testKey();
    await tamper(store, 'UPDATE audit_checkpoints SET key_id = $1, signature = $2 WHERE seq = 10', [other.signer.keyId, other.signer.sign(10, entry(10).hash)]);
    const publicKeys = new Map([...key.publicKeys, ...other.publicKeys]);
    const result = await verify({ publicKeys, trustedKeyIds: new Set([key.signer.keyId]) });
    assert.equal(result.ok, true);
    assert.equal(result.firstBad, undefined);
    assert.ok(
      result.warnings.some((w) => w.includes(other.signer.keyId) && w.includes('not trusted')),
      result.warnings.join('\n'),
    );
    const trustingAll = await verify({ publicKeys });
    assert.equal(
      trustingAll.warnings.some((w) => w.includes(other.signer.keyId)),
      false,
    );
  });
});
