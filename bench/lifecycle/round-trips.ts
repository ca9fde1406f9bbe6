// PostgreSQL statements sent while a piece of the lifecycle benchmark runs: every statement muster sends goes through
// `pg.Client#query` (pool queries, BEGIN and COMMIT included), whichever worker sends it.
import pg from 'pg';

/** The statements counted, by their first words, most frequent first. */
export interface StatementCount {
  readonly total: number;
  readonly top: readonly { readonly statement: string; readonly count: number }[];
}

let counts: Map<string, number> | null = null;
let installed = false;

function statementOf(args: unknown[]): string {
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? 'COPY');
  return text.replace(/\s+/g, ' ').trim().slice(0, 90);
}

function install(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (counts) {
      const statement = statementOf(args);
      counts.set(statement, (counts.get(statement) ?? 0) + 1);
    }
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

/** Runs `work` and counts the statements sent meanwhile; the top `keep` by count. */
export async function countStatements<T>(work: () => Promise<T>, keep = 12): Promise<{ result: T; statements: StatementCount }> {
  install();
  counts = new Map();
  try {
    const result = await work();
    const seen = [...counts].sort((a, b) => b[1] - a[1]);
    return { result, statements: { total: seen.reduce((n, [, c]) => n + c, 0), top: seen.slice(0, keep).map(([statement, count]) => ({ statement, count })) } };
  } finally {
    counts = null;
  }
}
