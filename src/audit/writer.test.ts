import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { isMusterError } from '../core/errors.ts';
import { type RawBuilder, sql } from 'kysely';
import { kyselyOver } from '../store/kysely.ts';
import type { StatementRunner, Store, Tx } from '../store/store.ts';
import { type AuditEntry, GENESIS_HASH } from './chain.ts';
import { listAuditEntries } from './queries.ts';
import { T0, buildLog, draftNo, resetAudit, tamper, testKey } from './test-fixtures.ts';
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
  /** How many parameters each statement carried (a COPY: its rows). */
  readonly parameters: number[];
}

/** The transaction as the writer sees it, with every statement it sends to the connection written down. */
function counting(tx: Tx): Counted {
  const statements: string[] = [];
  const parameters: number[] = [];
  const note = (sql: string, count: number) => {
    statements.push(sql);
    parameters.push(count);
  };
  const run: StatementRunner = (sql, params) => {
    note(sql, params.length);
    return tx.run(sql, params);
  };
  const counted: Tx = {
    db: kyselyOver(run),
    run,
    query: (sql, params) => {
      note(sql, params?.length ?? 0);
      return tx.query(sql, params);
    },
    exec: (sql) => {
      note(sql, 0);
      return tx.exec(sql);
    },
    copyRows: (table, columns, rows) => {
      note(`COPY ${table}`, rows.length);
      return tx.copyRows(table, columns, rows);
    },
  };
  return { tx: counted, statements, parameters };
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
    assert.deepEqual(
      read.map((e) => e.dataText),
      log.map((e) => JSON.stringify(e.data)),
    );
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });

  it('appends a group with a checkpoint in five statements: lock, tail (no parameters), truncation check, entries, checkpoint', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const { statements, parameters } = await store.transaction(async (tx) => {
      const counted = counting(tx);
      const entries = await writer.appendGroups(counted.tx, [
        { drafts: [draftNo(13), draftNo(14)], correlationId: 'g-1' },
        { drafts: [draftNo(15)], correlationId: 'g-2' },
      ]);
      assert.deepEqual(
        entries.map((e) => e.seq),
        [13, 14, 15],
      );
      return counted;
    });
    assert.equal(statements.length, 5, statements.join('\n'));
    assert.deepEqual(statements.slice(-2), ['COPY audit_log', 'COPY audit_checkpoints']);
    assert.deepEqual(parameters, [1, 0, 1, 3, 1]);
  });

  it('chains the later appends of one transaction on its first, one statement each, for writers of several events', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 100 });
    const { statements } = await store.transaction(async (tx) => {
      const counted = counting(tx);
      await writer.forEvent(1).append(counted.tx, [draftNo(13)], 'c-1');
      await writer.forEvent(2).append(counted.tx, [draftNo(14), draftNo(15)], 'c-2');
      await writer.append(counted.tx, [], 'c-3');
      const last = await writer.forEvent(3).append(counted.tx, [draftNo(16)], 'c-4');
      assert.deepEqual(
        last.map((e) => e.seq),
        [16],
      );
      return counted;
    });
    assert.deepEqual(statements.slice(3), ['COPY audit_log', 'COPY audit_log', 'COPY audit_log'], statements.join('\n'));
    assert.equal((await verifyAuditLog(store, key)).ok, true);
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

  it('refuses to append after the newest entries were cut behind a signed checkpoint, and writes nothing', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const refused = (lastSeq: number, checkpoint: number) => (error: unknown) =>
      isMusterError(error, 'MUSTER_ERR_AUDIT_CHAIN') && error.message.includes(`ends at entry ${lastSeq} but a signed checkpoint names entry ${checkpoint}:`);
    await tamper(store, 'DELETE FROM audit_log WHERE seq >= 9');
    await assert.rejects(
      store.transaction((tx) => writer.append(tx, [draftNo(13)], 'cut')),
      refused(8, 10),
    );
    await tamper(store, 'DELETE FROM audit_log');
    await assert.rejects(
      store.transaction((tx) => writer.append(tx, [draftNo(13)], 'cut')),
      refused(0, 5),
    );
    assert.deepEqual(await listAuditEntries(store, {}), []);
  });

  it('appends at a known head in one statement, its entries and checkpoint as the long way writes them', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const head = { seq: log.at(-1)!.seq, hash: log.at(-1)!.hash };
    const counted = counting(store as unknown as Tx);
    const entries = await writer.appendGroupsAtHead(counted.tx, head, [
      { drafts: [draftNo(13), draftNo(14)], correlationId: 'g-1' },
      { drafts: [draftNo(15)], correlationId: 'g-2' },
    ]);
    assert.deepEqual(
      entries?.map((e) => e.seq),
      [13, 14, 15],
    );
    assert.equal(counted.statements.length, 1, counted.statements.join('\n'));
    const read = [...(await listAuditEntries(store, { limit: 3 }))].reverse();
    assert.deepEqual(read, entries);
    const result = await verifyAuditLog(store, key);
    assert.deepEqual({ ok: result.ok, checkpoints: result.checkpoints, warnings: result.warnings }, { ok: true, checkpoints: 3, warnings: [] });
  });

  it('writes nothing at a head the log has moved past, at a head whose hash differs, or when a checkpoint lies beyond it', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const group = [{ drafts: [draftNo(13)], correlationId: 'late' }];
    assert.equal(await writer.appendGroupsAtHead(store, { seq: 11, hash: log[10]!.hash }, group), undefined);
    assert.equal(await writer.appendGroupsAtHead(store, { seq: 12, hash: log[10]!.hash }, group), undefined);
    assert.equal(await writer.appendGroupsAtHead(store, { seq: 0, hash: GENESIS_HASH }, group), undefined);
    await tamper(store, 'DELETE FROM audit_log WHERE seq >= 9');
    assert.equal(await writer.appendGroupsAtHead(store, { seq: 8, hash: log[7]!.hash }, group), undefined);
    assert.equal((await listAuditEntries(store, { limit: 1 }))[0]?.seq, 8);
  });

  it('of two writers chaining on the same head at once, one writes and the other is told the log moved on', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const head = { seq: 12, hash: log.at(-1)!.hash };
    const [a, b] = await Promise.all([
      writer.appendGroupsAtHead(store, head, [{ drafts: [draftNo(13)], correlationId: 'a' }]),
      writer.appendGroupsAtHead(store, head, [{ drafts: [draftNo(14)], correlationId: 'b' }]),
    ]);
    assert.equal([a, b].filter((e) => e !== undefined).length, 1);
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });

  it('writes beside its entries what goes with them: in the one statement at the head, in the transaction the long way, never when the entries are not written', async () => {
    const writer = new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 });
    const setting = (name: string) => (from: RawBuilder<unknown>) => sql`INSERT INTO settings (key, value) SELECT ${name}::text, '1'::jsonb FROM ${from} RETURNING 1`;
    const written = async (name: string) => (await sql<{ key: string }>`SELECT key FROM settings WHERE key = ${name}`.execute(store.db)).rows.length === 1;
    const head = { seq: 12, hash: log.at(-1)!.hash };
    assert.equal(await writer.appendGroupsAtHead(store, { seq: 11, hash: log[10]!.hash }, [{ drafts: [draftNo(13)], correlationId: 'late', alongside: [setting('audit-test-late')] }]), undefined);
    assert.equal(await written('audit-test-late'), false);
    const entries = await writer.appendGroupsAtHead(store, head, [{ drafts: [draftNo(13)], correlationId: 'now', alongside: [setting('audit-test-now')] }]);
    assert.equal(entries?.length, 1);
    assert.equal(await written('audit-test-now'), true);
    await store.transaction((tx) => writer.appendGroups(tx, [{ drafts: [draftNo(14)], correlationId: 'long', alongside: [setting('audit-test-long')] }]));
    assert.equal(await written('audit-test-long'), true);
    await sql`DELETE FROM settings WHERE key LIKE 'audit-test-%'`.execute(store.db);
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });
});
