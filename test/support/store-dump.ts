import type { Queryable } from '../../src/store/store.ts';

/** A private JWK member (`"d": …`) or a PEM private key that is not encrypted. */
const PRIVATE_JWK = /"d"\s*:/;
const CLEAR_PEM = /-----BEGIN (RSA |EC |)PRIVATE KEY-----/;

/** Every text, JSON and character column of every table of the store's schema, as text, named `table.column: value`. */
export async function dumpStore(db: Queryable): Promise<string[]> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type IN ('text', 'json', 'jsonb', 'character varying', 'character')
     ORDER BY c.table_name, c.column_name`,
  );
  const lines: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const rows = await db.query<{ v: string | null }>(`SELECT "${column}"::text AS v FROM "${table}"`);
    for (const row of rows) if (row.v !== null) lines.push(`${table}.${column}: ${row.v}`);
  }
  return lines;
}

/** The dumped values that hold a private key in the clear. */
export function privateKeysInClear(dump: readonly string[]): string[] {
  return dump.filter((line) => PRIVATE_JWK.test(line) || CLEAR_PEM.test(line));
}
