// Test stores handed out again: a closed in-memory PGlite store, emptied back to the template, serves the next test
// instead of a new PGlite (starting one costs about a second of CPU). A store comes back only when emptying it left
// its schema exactly as the template has it; one a test changed (a table, a trigger, a function) is closed for good.
// The handle a test got is closed for it: whatever still runs on it afterwards fails instead of writing into the
// next test's store.
import { MusterError } from '../../src/core/errors.ts';
import { Availability } from '../../src/store/availability.ts';
import { type Begin, kyselyOver } from '../../src/store/kysely.ts';
import type { StatementRunner, Store } from '../../src/store/store.ts';

/** Everything of the schema a test could change, as one digest: relations, columns, constraints, triggers, functions, migrations. */
const SCHEMA_DIGEST = `
SELECT md5(string_agg(part, E'\\n' ORDER BY part)) AS digest FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS part
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'col ' || a.attrelid::regclass::text || ' ' || a.attname || ' ' || a.atttypid::text || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'fn ' || proname || ' ' || md5(prosrc)
    FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'role ' || rolname FROM pg_roles
  UNION ALL SELECT 'migration ' || version::text FROM schema_migrations
) parts`;

const TABLES = `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`;
const SEQUENCES = `SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'`;

export class PglitePool {
  readonly #idle: Store[] = [];
  #templateDigest: string | undefined;
  /** Drained: a store closed afterwards (a test file's own `after` may run after the pool's) is closed, not kept. */
  #drained = false;

  /** A handle on an emptied store kept from an earlier test, or on a new one from `open`. */
  async take(open: () => Promise<Store>): Promise<Store> {
    const base = this.#idle.pop() ?? (await this.#first(open));
    return handleOn(base, () => this.#giveBack(base));
  }

  /** Closes the stores kept for later tests (a kept PGlite holds the process open), and any closed later. */
  async drain(): Promise<void> {
    this.#drained = true;
    const stores = this.#idle.splice(0);
    await Promise.all(stores.map((store) => store.close().catch(() => {})));
  }

  async #first(open: () => Promise<Store>): Promise<Store> {
    const store = await open();
    this.#templateDigest ??= await digestOf(store);
    return store;
  }

  async #giveBack(base: Store): Promise<void> {
    if (this.#drained) {
      await base.close().catch(() => {});
      return;
    }
    try {
      await empty(base);
      if ((await digestOf(base)) !== this.#templateDigest) throw new Error('the schema changed');
      this.#idle.push(base);
    } catch {
      await base.close().catch(() => {});
    }
  }
}

/** Deletes every row (foreign keys and triggers off meanwhile), restarts every sequence, and resets the session. */
async function empty(store: Store): Promise<void> {
  const tables = await store.query<{ name: string }>(TABLES);
  const sequences = await store.query<{ name: string }>(SEQUENCES);
  const statements = [
    'SET session_replication_role = replica',
    ...tables.map((t) => `DELETE FROM "${t.name}"`),
    'SET session_replication_role = DEFAULT',
    ...sequences.map((s) => `ALTER SEQUENCE "${s.name}" RESTART`),
  ];
  await store.exec(statements.join(';\n'));
  await store.exec('DISCARD ALL');
}

async function digestOf(store: Store): Promise<string> {
  const [row] = await store.query<{ digest: string }>(SCHEMA_DIGEST);
  return row?.digest ?? '';
}

/** The store as one test sees it: closing it hands the store back, and nothing runs on it after that. */
function handleOn(base: Store, giveBack: () => Promise<void>): Store {
  let closed = false;
  const live = (): void => {
    if (closed) throw new MusterError('MUSTER_ERR_STORE_UNAVAILABLE', 'the test store is closed');
  };
  const run: StatementRunner = async (sql, params) => {
    live();
    return base.run(sql, params);
  };
  const transaction: Begin = async (fn) => {
    live();
    return base.transaction(fn);
  };
  return {
    adapter: base.adapter,
    capabilities: base.capabilities,
    availability: new Availability(),
    db: kyselyOver(run, transaction),
    run,
    transaction,
    query: async (sql, params = []) => (await run(sql, params)).rows as never,
    exec: async (sql) => {
      live();
      await base.exec(sql);
    },
    copyRows: async (table, columns, rows) => {
      live();
      await base.copyRows(table, columns, rows);
    },
    ping: async (timeoutMs) => {
      live();
      await base.ping(timeoutMs);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await giveBack();
    },
  };
}
