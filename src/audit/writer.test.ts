import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { kyselyOver } from '../store/kysely.ts';
import type { StatementRunner, Store, Tx } from '../store/store.ts';
import { type AuditEntry, GENESIS_HASH } from './chain.ts';
import { listAuditEntries } from './queries.ts';
import { T0, buildLog, draftNo, resetAudit, testKey } from './test-fixtures.ts';
import { verifyAuditLog } from './verify.ts';
import { AuditWriter } from './writer.ts';

/**
 * The hashes of the test log are a function of its contents only (the signing key signs checkpoints,
 * it is not hashed): pinned here, so that a change to how entries are written or read back that
 * alters the canonical serialization fails loudly.
 */
const PINNED = {
  first: { seq: 1, dataText: '{"zeta":1,"alpha":{"y":2,"b":[1,"x",{"d":true,"c":null}]},"longer_key":"v","a":-0.5}', hash: 'adc8c6d1f581782f2ebcda9098aeaa3f7ef16e4557eec1e42b65dee593243571' },
  last: { seq: 12, hash: '8e55e683135c4be446fe9a76157d63723c85e927f58aaff6e74f9f104f84eec7' },
};

interface Counted {
  readonly tx: Tx;
  readonly statements: string[];
}

/** The transaction as the writer sees it, with every statement it sends to the connection written down. */
function counting(tx: Tx): Counted {
  const statements: string[] = [];
  const run: StatementRunner = (sql, params) => {
    statements.push(sql);
    return tx.run(sql, params);
  };
  const counted: Tx = {
    db: kyselyOver(run),
    run,
    query: (sql, params) => {
      statements.push(sql);
      return tx.query(sql, params);
    },
    exec: (sql) => {
      statements.push(sql);
      return tx.exec(sql);
    },
    copyRows: (table, columns, rows) => {
      statements.push(`COPY ${table}`);
      return tx.copyRows(table, columns, rows);
    },
  };
  return { tx: counted, statements };
}

describeEachStore('audit writer', (factory) => {
  const key = testKey();
  let store: Store;
  let log: AuditEntry[];

  before(async () => {
    store = await factory.open();
  });
  after(() => store.close());
  beforeEach(async () => {
    await resetAudit(store);
    log = await buildLog(store, key.signer);
  });

  it('writes entries whose stored text and hashes are exactly the pinned ones', async () => {
    const first = log[0]!;
    const last = log.at(-1)!;
    assert.deepEqual({ seq: first.seq, dataText: first.dataText, hash: first.hash }, PINNED.first);
    assert.deepEqual({ seq: last.seq, hash: last.hash }, PINNED.last);
    assert.equal(first.prevHash, GENESIS_HASH);
    assert.equal(first.at.toISOString(), T0);
  });

  it('reads back every entry as written: the same seq, time, data text and hashes', async () => {
    const read = [...(await listAuditEntries(store, { limit: 1000 }))].reverse();
    assert.deepEqual(read, log);
    for (const entry of read) {
      assert.equal(typeof entry.seq, 'number');
      assert.ok(entry.at instanceof Date);
    }
    assert.deepEqual(read.map((e) => e.dataText), log.map((e) => JSON.stringify(e.data)));
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });

  it('appends a group with a checkpoint in five statements: lock, tail, truncation check, entries, checkpoint', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const statements = await store.transaction(async (tx) => {
      const counted = counting(tx);
      const entries = await writer.appendGroups(counted.tx, [
        { drafts: [draftNo(13), draftNo(14)], correlationId: 'g-1' },
        { drafts: [draftNo(15)], correlationId: 'g-2' },
      ]);
      assert.deepEqual(entries.map((e) => e.seq), [13, 14, 15]);
      return counted.statements;
    });
    assert.equal(statements.length, 5, statements.join('\n'));
    assert.deepEqual(statements.slice(-2), ['COPY audit_log', 'COPY audit_checkpoints']);
  });

  it('seals the newest entry in three statements, and does nothing more when it is sealed already', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const sealing = await store.transaction(async (tx) => {
      const counted = counting(tx);
      await writer.seal(counted.tx);
      return counted.statements;
    });
    assert.equal(sealing.length, 3, sealing.join('\n'));
    assert.equal(sealing.at(-1), 'COPY audit_checkpoints');
    const again = await store.transaction(async (tx) => {
      const counted = counting(tx);
      await writer.seal(counted.tx);
      return counted.statements;
    });
    assert.equal(again.length, 2, again.join('\n'));
    const result = await verifyAuditLog(store, key);
    assert.deepEqual({ ok: result.ok, checkpoints: result.checkpoints, warnings: result.warnings }, { ok: true, checkpoints: 3, warnings: [] });
  });
});
