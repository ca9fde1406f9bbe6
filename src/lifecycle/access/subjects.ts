import type { AccessSubject } from '../../core/access/subject.ts';
import type { CurrentAccess, CurrentAccount, CurrentEntitlement } from '../../core/access/diff.ts';
import type { IdentityKind } from '../../core/identity/kinds.ts';
import type { IdentityStatus } from '../../core/identity/status.ts';
import type { Queryable } from '../../store/store.ts';
import { isoDay } from './targets.ts';

/** The access subjects of these identities (attributes, TRUST, BEHAVE), in three queries. */
export async function loadSubjects(db: Queryable, ids: readonly string[]): Promise<Map<string, AccessSubject>> {
  const rows = await db.query(
    `SELECT i.id, i.kind, i.status, i.attributes AS attrs, t.eligibility, t.status AS trust_status
     FROM identities i LEFT JOIN trust t ON t.identity_id = i.id WHERE i.id = ANY($1::uuid[])`,
    [ids],
  );
  const behave = await db.query('SELECT identity_id, course, status, expires FROM behave WHERE identity_id = ANY($1::uuid[])', [ids]);
  const courses = new Map<string, Record<string, { status: string; expires: string | null }>>();
  for (const b of behave) {
    const id = b.identity_id as string;
    const entry = courses.get(id) ?? {};
    entry[b.course as string] = { status: b.status as string, expires: isoDay(b.expires) };
    courses.set(id, entry);
  }
  return new Map(
    rows.map((r) => [
      r.id as string,
      {
        id: r.id as string,
        kind: r.kind as IdentityKind,
        status: r.status as IdentityStatus,
        attributes: stringValues(r.attrs),
        trust: r.eligibility ? { eligibility: r.eligibility as string, status: r.trust_status as string } : null,
        behave: courses.get(r.id as string) ?? {},
      },
    ]),
  );
}

function stringValues(attrs: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, stored] of Object.entries((attrs ?? {}) as Record<string, { v?: unknown }>)) {
    const v = stored?.v;
    if (v !== null && v !== undefined) out[k] = Array.isArray(v) ? v.join(';') : String(v);
  }
  return out;
}

/** What muster last recorded of these identities' accounts and entitlements. */
export async function loadCurrentAccess(db: Queryable, ids: readonly string[]): Promise<Map<string, CurrentAccess>> {
  const accounts = await db.query('SELECT identity_id, target, account_ref, status, fields FROM accounts WHERE identity_id = ANY($1::uuid[])', [ids]);
  const entitlements = await db.query('SELECT identity_id, target, entitlement, privileged, status, policies FROM entitlements WHERE identity_id = ANY($1::uuid[])', [ids]);
  const out = new Map<string, { accounts: CurrentAccount[]; entitlements: CurrentEntitlement[] }>(ids.map((id) => [id, { accounts: [], entitlements: [] }]));
  for (const a of accounts) {
    out
      .get(a.identity_id as string)
      ?.accounts.push({ target: a.target as string, key: a.account_ref as string, status: a.status as CurrentAccount['status'], fields: (a.fields ?? {}) as CurrentAccount['fields'] });
  }
  for (const e of entitlements) {
    out.get(e.identity_id as string)?.entitlements.push({
      target: e.target as string,
      group: e.entitlement as string,
      privileged: Boolean(e.privileged),
      status: e.status as CurrentEntitlement['status'],
      policies: (e.policies ?? []) as string[],
    });
  }
  return out;
}
