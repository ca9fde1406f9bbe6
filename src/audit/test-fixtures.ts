import { CompiledQuery, sql } from 'kysely';
import { ManualClock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import type { AuditDraft, AuditEntry } from './chain.ts';
import { type CheckpointSigner, generateSigningKeyPem, publicPemOf, signerFromPem } from './checkpoint.ts';
import { AuditWriter } from './writer.ts';

/** Test-only helpers for the audit suites: a signer, a small chained log, and an attacker's SQL access. */
export const T0 = '2025-03-01T12:00:00.000Z';
/** 12 entries in 5 transactions; with a checkpoint every 5 there are checkpoints at 5 and 10. */
export const BATCH_SIZES = [1, 3, 2, 4, 2] as const;
export const INTERVAL = 5;

export interface TestKey {
  readonly signer: CheckpointSigner;
  readonly publicKeys: ReadonlyMap<string, string>;
}

export function testKey(): TestKey {
  const pem = generateSigningKeyPem();
  const signer = signerFromPem(pem);
  return { signer, publicKeys: new Map([[signer.keyId, publicPemOf(pem)]]) };
}

export function draftNo(i: number): AuditDraft {
  return {
    actor: i % 2 === 0 ? 'admin:alice' : 'source:hr',
    action: i % 3 === 0 ? 'identity.update' : 'identity.create',
    target: i % 4 === 0 ? null : `identity:${i}`,
    reason: i % 5 === 0 ? null : `reason ${i}\twith tab, "quotes" and ünïcødé 🔐`,
    // Keys deliberately out of order: JSONB gives them back sorted differently.
    data: { zeta: i, alpha: { y: i * 2, b: [1, 'x', { d: true, c: null }] }, longer_key: 'v', a: -0.5 },
  };
}

/** Appends the log through the writer, one transaction per batch, the clock moving between them. */
export async function buildLog(store: Store, signer: CheckpointSigner): Promise<AuditEntry[]> {
  const clock = new ManualClock(T0);
  const writer = new AuditWriter({ clock, signer, checkpointInterval: INTERVAL });
  const entries: AuditEntry[] = [];
  let n = 0;
  for (const [t, size] of BATCH_SIZES.entries()) {
    const drafts = Array.from({ length: size }, () => draftNo(++n));
    entries.push(...(await store.transaction((tx) => writer.append(tx, drafts, `corr-${t}`))));
    clock.advance(1_500);
  }
  return entries;
}

/** Empties the audit tables (TRUNCATE fires no row trigger) and re-arms the append-only trigger. */
export async function resetAudit({ db }: Store): Promise<void> {
  await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(db);
  await sql`TRUNCATE audit_log, audit_checkpoints`.execute(db);
}

/** What an attacker with SQL access does: switch the trigger off, then change rows with a statement of their own. */
export async function tamper({ db }: Store, statement: string, params: readonly unknown[] = []): Promise<void> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(db);
  await db.executeQuery(CompiledQuery.raw(statement, [...params]));
}
