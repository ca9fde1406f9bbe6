import { sql } from 'kysely';
import type { AlongsideWrite } from '../../audit/audit-repository.ts';
import type { HeldWrite } from './held-writes.ts';

/**
 * Held model rows (held-writes.ts) as one upsert into `oidc_payloads` that writes beside audit entries: its rows come
 * from the source the audit log's writer gives, so they are written exactly when the entries are. The columns are
 * the adapter's (adapter.ts `upsertPayload`).
 */
export function payloadsAlongside(rows: readonly HeldWrite[]): AlongsideWrite | undefined {
  if (rows.length === 0) return undefined;
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.model}::text, ${r.id}::text, ${JSON.stringify(r.payload)}::jsonb, ${r.payload.grantId ?? null}::text, ${r.payload.userCode ?? null}::text, ${r.payload.uid ?? null}::text, ${r.payload.accountId ?? null}::text, ${r.expires}::timestamptz)`,
    ),
  );
  return (from) => sql`INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, account_id, expires_at, consumed_at)
    SELECT v.model, v.id, v.payload, v.grant_id, v.user_code, v.uid, v.account_id, v.expires_at, NULL
    FROM (VALUES ${values}) AS v (model, id, payload, grant_id, user_code, uid, account_id, expires_at), ${from}
    ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
      uid = EXCLUDED.uid, account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at
    RETURNING 1`;
}
