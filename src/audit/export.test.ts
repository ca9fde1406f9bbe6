import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { isMusterError } from '../core/errors.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from '../store/store.ts';
import { type AuditEntry, GENESIS_HASH } from './chain.ts';
import { exportAuditJsonl } from './export.ts';
import { listAuditEntries, recordAudit } from './queries.ts';
import { INTERVAL, T0, buildLog, draftNo, resetAudit, testKey } from './test-fixtures.ts';
import { verifyAuditLog } from './verify.ts';
import { AuditWriter } from './writer.ts';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describeEachStore('audit writer, export and queries', (factory) => {
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

  it('keeps appends chained across transactions, with a checkpoint every interval', async () => {
    assert.deepEqual(
      log.map((e) => e.seq),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    log.forEach((e, i) => assert.equal(e.prevHash, i === 0 ? GENESIS_HASH : log[i - 1]?.hash));
    assert.deepEqual(await listAuditEntries(store, { limit: 1000 }), [...log].reverse());
    const cps = await store.query<{ seq: number; hash: string; key_id: string }>('SELECT seq, hash, key_id FROM audit_checkpoints ORDER BY seq');
    assert.deepEqual(
      cps,
      [INTERVAL, 2 * INTERVAL].map((seq) => ({ seq, hash: log[seq - 1]?.hash, key_id: key.signer.keyId })),
    );
  });

  it('exports one SIEM-friendly JSON line per entry', async () => {
    const lines = await collect(exportAuditJsonl(store));
    assert.equal(lines.length, 12);
    assert.ok(lines.every((l) => !l.includes('\n')));
    const first = log[0] as AuditEntry;
    assert.deepEqual(JSON.parse(lines[0] as string), {
      '@timestamp': T0,
      event: { sequence: 1, action: first.action, kind: 'event', category: 'iam' },
      user: { name: first.actor },
      target: first.target,
      reason: first.reason,
      trace: { id: 'corr-0' },
      data: draftNo(1).data,
      muster: { hash: first.hash, prev_hash: GENESIS_HASH },
    });
    assert.equal(JSON.parse(lines[3] as string).target, null);
  });

  it('exports a seq range in small batches', async () => {
    const lines = await collect(exportAuditJsonl(store, { fromSeq: 3, toSeq: 8, batchSize: 2 }));
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).event.sequence),
      [3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(await collect(exportAuditJsonl(store, { fromSeq: 13 })), []);
  });

  it('lists entries newest first by every filter', async () => {
    const seqs = async (filter: Parameters<typeof listAuditEntries>[1]) => (await listAuditEntries(store, filter)).map((e) => e.seq);
    assert.deepEqual(await seqs({}), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(await seqs({ actor: 'admin:alice' }), [12, 10, 8, 6, 4, 2]);
    assert.deepEqual(await seqs({ action: 'identity.update' }), [12, 9, 6, 3]);
    assert.deepEqual(await seqs({ target: 'identity:7' }), [7]);
    assert.deepEqual(await seqs({ correlationId: 'corr-1' }), [4, 3, 2]);
    assert.deepEqual(await seqs({ afterSeq: 4, beforeSeq: 8 }), [7, 6, 5]);
    assert.deepEqual(await seqs({ actor: 'admin:alice', beforeSeq: 10, limit: 2 }), [8, 6]);
  });

  it('refuses a limit outside 1..1000', async () => {
    for (const limit of [0, 1001, 2.5]) {
      await assert.rejects(listAuditEntries(store, { limit }), (e) => isMusterError(e, 'MUSTER_ERR_VALIDATION'));
    }
  });

  it('records a single entry in its own transaction, chained to the log', async () => {
    const writer = new AuditWriter({ clock: new ManualClock('2025-03-02T00:00:00.000Z'), signer: key.signer, checkpointInterval: INTERVAL });
    const entry = await recordAudit(store, writer, { actor: 'admin:bob', action: 'token.refused', reason: 'revoked token' }, 'corr-r');
    assert.equal(entry.seq, 13);
    assert.equal(entry.prevHash, log[11]?.hash);
    assert.deepEqual(await listAuditEntries(store, { limit: 1 }), [entry]);
    const result = await verifyAuditLog(store, key);
    assert.equal(result.ok, true);
    assert.equal(result.entries, 13);
  });

  it('verifies and exports a log larger than many batches', async () => {
    await resetAudit(store);
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 7 });
    const drafts = Array.from({ length: 1000 }, (_, i) => draftNo(i + 1));
    await store.transaction((tx) => writer.append(tx, drafts, 'bulk'));
    const result = await verifyAuditLog(store, key, { batchSize: 64 });
    assert.deepEqual({ ok: result.ok, entries: result.entries, checkpoints: result.checkpoints }, { ok: true, entries: 1000, checkpoints: 142 });
    assert.equal((await collect(exportAuditJsonl(store, { batchSize: 64 }))).length, 1000);
  });
});
