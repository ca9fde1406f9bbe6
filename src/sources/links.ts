import type { Queryable } from '../store/store.ts';

/** What the MUR already holds for one source record: the identity it feeds and the digest last applied. */
export interface LinkInfo {
  readonly identityId: string;
  readonly digest: string;
  /** The identity's status (identity sources), or '' for fact sources. */
  readonly status: string;
  seen: boolean;
}

const PAGE = 50_000;

/** Loads every link of a source, a page at a time (keyset on the primary key), into one map. */
export async function loadLinks(db: Queryable, source: string): Promise<Map<string, LinkInfo>> {
  const links = new Map<string, LinkInfo>();
  let after = '';
  for (;;) {
    const rows = await db.query<{ source_key: string; identity_id: string; digest: string; status: string }>(
      `SELECT l.source_key, l.identity_id, l.digest, i.status FROM source_links l JOIN identities i ON i.id = l.identity_id
       WHERE l.source = $1 AND l.source_key > $2 ORDER BY l.source_key LIMIT $3`,
      [source, after, PAGE],
    );
    for (const r of rows) links.set(r.source_key, { identityId: r.identity_id, digest: r.digest, status: r.status, seen: false });
    if (rows.length < PAGE) return links;
    after = (rows[rows.length - 1] as { source_key: string }).source_key;
  }
}
