import type { Tx } from '../store/store.ts';

/** What the MUR already holds for one source record: the identity it feeds and the digest last applied. */
export interface LinkInfo {
  readonly identityId: string;
  readonly digest: string;
  /** The identity's status (identity sources), or '' for fact sources. */
  readonly status: string;
  seen: boolean;
}

const PAGE = 50_000;

/**
 * Loads every link of a source into one map, streaming through a cursor inside the caller's
 * transaction; the planner may hash-join, since the cursor is read to the end.
 */
export async function loadLinks(tx: Tx, source: string): Promise<Map<string, LinkInfo>> {
  const links = new Map<string, LinkInfo>();
  await tx.query('SET LOCAL cursor_tuple_fraction = 1.0');
  await tx.query(
    `DECLARE muster_links NO SCROLL CURSOR FOR
     SELECT l.source_key, l.identity_id, l.digest, i.status FROM source_links l JOIN identities i ON i.id = l.identity_id WHERE l.source = $1`,
    [source],
  );
  for (;;) {
    const rows = await tx.query<{ source_key: string; identity_id: string; digest: string; status: string }>(`FETCH ${PAGE} FROM muster_links`);
    for (const r of rows) links.set(r.source_key, { identityId: r.identity_id, digest: r.digest, status: r.status, seen: false });
    if (rows.length < PAGE) break;
  }
  await tx.query('CLOSE muster_links');
  return links;
}
