import type { Policy } from '../../core/access/policy.ts';
import type { TargetRule } from '../../core/access/evaluate.ts';
import type { Queryable } from '../../store/store.ts';

/** Muster's record of one account in the target, with its identity's status. */
export interface AccountRow {
  readonly id: string;
  readonly identityId: string | null;
  readonly key: string;
  readonly status: string;
  readonly remoteId: string | null;
  readonly drift: boolean;
  readonly identityStatus: string | null;
  readonly privileged: boolean;
  readonly situation: string | null;
  /** What the record says the target holds. */
  readonly synced: unknown;
  /** The active entitlements (groups) of the row's identity in the target. */
  readonly granted: readonly string[];
}

/** Who an account the record does not hold could belong to. */
export interface Candidates {
  /** Identities that exist, by id (the correlation values that name one). */
  readonly ids: ReadonlySet<string>;
  /** Identities whose key in the target is this key. */
  readonly byKey: ReadonlyMap<string, readonly string[]>;
  /** The account each identity already holds in the target, by identity. */
  readonly held: ReadonlyMap<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_ATTRIBUTES = new Set(['employee_id', 'npe_id', 'email']);

export function isUuid(value: string | null): value is string {
  return value !== null && UUID.test(value);
}

/** The groups of a target that an active birthright policy marks privileged. */
export function privilegedGroups(policies: readonly Policy[], target: string): Set<string> {
  const out = new Set<string>();
  for (const { document } of policies) {
    if (document.kind !== 'birthright') continue;
    for (const grant of document.grants) if (grant.target === target) for (const g of grant.groups) if (g.privileged) out.add(g.name);
  }
  return out;
}

export async function loadRows(db: Queryable, target: string, keys: readonly string[]): Promise<Map<string, AccountRow>> {
  const rows = await db.query(
    `SELECT a.id, a.identity_id, a.account_ref, a.status, a.remote_id, a.drift, a.privileged, a.situation, a.synced, i.status AS identity_status,
       COALESCE((SELECT jsonb_agg(e.entitlement) FROM entitlements e WHERE e.identity_id = a.identity_id AND e.target = a.target AND e.status = 'active'), '[]'::jsonb) AS granted
     FROM accounts a LEFT JOIN identities i ON i.id = a.identity_id WHERE a.target = $1 AND a.account_ref = ANY($2::text[])`,
    [target, keys],
  );
  return new Map(
    rows.map((r) => [
      r.account_ref as string,
      {
        id: r.id as string,
        identityId: (r.identity_id as string | null) ?? null,
        key: r.account_ref as string,
        status: r.status as string,
        remoteId: (r.remote_id as string | null) ?? null,
        drift: Boolean(r.drift),
        identityStatus: (r.identity_status as string | null) ?? null,
        privileged: Boolean(r.privileged),
        situation: (r.situation as string | null) ?? null,
        synced: r.synced ?? null,
        granted: (r.granted ?? []) as string[],
      },
    ]),
  );
}

/**
 * The candidates for accounts the record does not hold: identities named by a correlation value,
 * identities whose key (the first of the target's key attributes present, as the access engine
 * computes it) equals an account's key, and the accounts those identities already hold.
 */
export async function loadCandidates(db: Queryable, rule: TargetRule, keys: readonly string[], correlationIds: readonly string[]): Promise<Candidates> {
  const ids = new Set<string>();
  if (correlationIds.length > 0) {
    for (const r of await db.query('SELECT id FROM identities WHERE id = ANY($1::uuid[])', [correlationIds])) ids.add(r.id as string);
  }
  const byKey = await identitiesByKey(db, rule, keys);
  const everyone = [...new Set([...ids, ...[...byKey.values()].flat()])];
  const held = new Map<string, string>();
  if (everyone.length > 0) {
    const rows = await db.query('SELECT identity_id, account_ref FROM accounts WHERE target = $1 AND identity_id = ANY($2::uuid[])', [rule.name, everyone]);
    for (const r of rows) held.set(r.identity_id as string, r.account_ref as string);
  }
  return { ids, byKey, held };
}

/** One indexed lookup per key attribute, then the key each identity actually has in the target. */
async function identitiesByKey(db: Queryable, rule: TargetRule, keys: readonly string[]): Promise<Map<string, string[]>> {
  const attributes = rule.accountKey.filter((a) => KEY_ATTRIBUTES.has(a));
  const uuids = rule.accountKey.includes('identity_id') ? keys.filter(isUuid) : [];
  const branches = attributes.map((a) => `SELECT id FROM identities WHERE attributes -> '${a}' ->> 'v' = ANY($1::text[])`);
  if (uuids.length > 0) branches.push('SELECT id FROM identities WHERE id = ANY($2::uuid[])');
  if (branches.length === 0 || keys.length === 0) return new Map();
  const values = attributes.map((a) => `i.attributes -> '${a}' ->> 'v' AS "${a}"`).join(', ');
  const rows = await db.query(`SELECT i.id${values ? `, ${values}` : ''} FROM identities i WHERE i.id IN (${branches.join(' UNION ')})`, uuids.length > 0 ? [keys, uuids] : [keys]);
  const out = new Map<string, string[]>();
  for (const row of rows) {
    const key = keyOf(rule, row.id as string, row);
    if (key !== null) out.set(key, [...(out.get(key) ?? []), row.id as string]);
  }
  return out;
}

/** The same precedence as the access engine's accountKeyOf: the first key attribute present wins. */
function keyOf(rule: TargetRule, id: string, values: Record<string, unknown>): string | null {
  for (const attribute of rule.accountKey) {
    const value = attribute === 'identity_id' ? id : values[attribute];
    if (value) return String(value);
  }
  return null;
}
