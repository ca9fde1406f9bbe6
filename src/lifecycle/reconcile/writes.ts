import type { AccountFields } from '../../core/access/account-fields.ts';
import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import type { Tx } from '../../store/store.ts';
import { RECOMPUTE_JOB } from '../access/recompute-all.ts';

/** What the target holds, in the shape of `accounts.synced`. */
export interface HeldState {
  readonly enabled: boolean;
  readonly fields: AccountFields;
  readonly groups: readonly string[];
}

export function heldOf(account: RemoteAccount): HeldState {
  return { enabled: account.enabled, fields: account.fields, groups: [...account.groups].sort() };
}

/** An orphan as the record keeps it: `orphan` while enabled in the target, else disabled or archived. */
export interface OrphanWrite {
  readonly key: string;
  readonly status: 'orphan' | 'disabled' | 'archived';
  readonly privileged: boolean;
  readonly remoteId: string;
  readonly held: HeldState;
}

export interface LinkWrite {
  readonly identityId: string;
  readonly key: string;
  readonly privileged: boolean;
  readonly remoteId: string;
  readonly held: HeldState;
}

const json = (value: unknown) => JSON.stringify(value);

/** Inserts or refreshes orphan rows; a row that belongs to an identity is never touched, an unchanged one is not rewritten. */
export async function upsertOrphans(tx: Tx, target: string, rows: readonly OrphanWrite[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO accounts (id, identity_id, target, account_ref, status, privileged, details, remote_id, synced, synced_at, situation, created_at, updated_at, disabled_at)
     SELECT gen_random_uuid(), NULL, $1, u.k, u.s, u.p, '{}'::jsonb, u.r, u.y::jsonb, $6, 'unmatched', $6, $6, CASE WHEN u.s <> 'orphan' THEN $6::timestamptz END
     FROM unnest($2::text[], $3::text[], $4::boolean[], $5::text[], $7::text[]) AS u(k, s, p, r, y)
     ON CONFLICT (target, account_ref) DO UPDATE SET
       status = EXCLUDED.status, privileged = EXCLUDED.privileged, remote_id = EXCLUDED.remote_id, synced = EXCLUDED.synced, synced_at = EXCLUDED.synced_at,
       situation = 'unmatched', updated_at = EXCLUDED.updated_at,
       disabled_at = CASE WHEN EXCLUDED.status = 'orphan' THEN NULL ELSE COALESCE(accounts.disabled_at, EXCLUDED.disabled_at) END,
       archived_at = CASE WHEN EXCLUDED.status = 'archived' THEN accounts.archived_at END
     WHERE accounts.identity_id IS NULL
       AND (accounts.status, accounts.privileged, accounts.remote_id, accounts.synced, accounts.situation)
           IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.privileged, EXCLUDED.remote_id, EXCLUDED.synced, EXCLUDED.situation)`,
    [target, rows.map((r) => r.key), rows.map((r) => r.status), rows.map((r) => r.privileged), rows.map((r) => r.remoteId), now, rows.map((r) => json(r.held))],
  );
}

/**
 * Links accounts to their identities: the record takes what the target holds (status, fields,
 * groups as synced), so that the next recompute decides from the truth whether the account stays.
 */
export async function linkAccounts(tx: Tx, target: string, rows: readonly LinkWrite[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const status = (r: LinkWrite) => (r.held.enabled ? 'enabled' : 'disabled');
  await tx.query(
    `INSERT INTO accounts (id, identity_id, target, account_ref, status, privileged, fields, details, remote_id, synced, synced_at, situation, created_at, updated_at, disabled_at)
     SELECT gen_random_uuid(), u.i, $1, u.k, u.s, u.p, u.f::jsonb, '{}'::jsonb, u.r, u.y::jsonb, $8, 'linked', $8, $8, CASE WHEN u.s = 'disabled' THEN $8::timestamptz END
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], $9::text[]) AS u(i, k, s, p, r, f, y)
     ON CONFLICT (target, account_ref) DO UPDATE SET
       identity_id = EXCLUDED.identity_id, status = EXCLUDED.status, privileged = EXCLUDED.privileged, fields = EXCLUDED.fields, remote_id = EXCLUDED.remote_id,
       synced = EXCLUDED.synced, synced_at = EXCLUDED.synced_at, situation = 'linked', drift = false, updated_at = EXCLUDED.updated_at,
       disabled_at = EXCLUDED.disabled_at, archived_at = NULL
     WHERE accounts.identity_id IS NULL`,
    [
      target,
      rows.map((r) => r.identityId),
      rows.map((r) => r.key),
      rows.map(status),
      rows.map((r) => r.privileged),
      rows.map((r) => r.remoteId),
      rows.map((r) => json(r.held.fields)),
      now,
      rows.map((r) => json(r.held)),
    ],
  );
}

/** Flags drift and forgets what muster believed the target held: the next operation re-reads it and re-asserts the record. */
export async function flagDrift(tx: Tx, rowIds: readonly string[], now: Date): Promise<void> {
  if (rowIds.length === 0) return;
  await tx.query('UPDATE accounts SET drift = true, synced = NULL, updated_at = $2 WHERE id = ANY($1::uuid[])', [rowIds, now]);
}

/** Flags drift and keeps what muster believes the target holds: memberships made in the target are only reported. */
export async function markDrift(tx: Tx, rowIds: readonly string[], now: Date): Promise<void> {
  if (rowIds.length === 0) return;
  await tx.query('UPDATE accounts SET drift = true, updated_at = $2 WHERE id = ANY($1::uuid[]) AND NOT drift', [rowIds, now]);
}

/** Memberships muster made that the target no longer holds. */
export interface MissingWrite {
  readonly rowId: string;
  readonly groups: readonly string[];
}

/** Flags drift and takes the missing memberships out of what muster believes the target holds: the next operation adds them again. */
export async function forgetMemberships(tx: Tx, rows: readonly MissingWrite[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `UPDATE accounts a SET drift = true, updated_at = $3,
       synced = jsonb_set(a.synced, '{groups}', COALESCE((SELECT jsonb_agg(g ORDER BY g) FROM jsonb_array_elements_text(a.synced -> 'groups') AS g WHERE NOT (u.m::jsonb ? g)), '[]'::jsonb))
     FROM unnest($1::uuid[], $2::text[]) AS u(i, m) WHERE a.id = u.i AND a.synced IS NOT NULL`,
    [rows.map((r) => r.rowId), rows.map((r) => json(r.groups)), now],
  );
}

/** Clears the flag of accounts that no longer drift. */
export async function clearDrift(tx: Tx, rowIds: readonly string[], now: Date): Promise<void> {
  if (rowIds.length === 0) return;
  await tx.query('UPDATE accounts SET drift = false, updated_at = $2 WHERE id = ANY($1::uuid[]) AND drift', [rowIds, now]);
}

/** Queues an access recompute of each identity (once per run and identity). */
export async function queueRecompute(tx: Tx, runId: string, identityIds: readonly string[], now: Date): Promise<void> {
  if (identityIds.length === 0) return;
  await tx.query(
    `INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at)
     SELECT $1, $1 || ':reconcile:' || $2 || ':' || u.i, jsonb_build_object('identityId', u.i, 'type', 'reconciliation'), 'pending', $4, $4, $4
     FROM unnest($3::text[]) AS u(i)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [RECOMPUTE_JOB, runId, identityIds, now],
  );
}
