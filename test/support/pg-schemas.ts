// Throw-away schemas on the PostgreSQL test server: each is labelled with the host, process and time that
// made it, dropped when its store closes or its process's tests end, and swept later if its process died.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';

/** Abandoned schemas older than this are dropped whoever made them. */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;
const SWEEP_LOCK = 7_266_002;
const SCHEMA = /^t_[0-9a-f]{12}$/;

/** Who made a test schema, as written in its comment. */
export interface SchemaOwner {
  readonly host: string;
  readonly pid: number;
  readonly created: string;
}

export interface SchemaFacts {
  readonly name: string;
  /** The parsed comment; undefined for schemas made before schemas were labelled. */
  readonly owner: SchemaOwner | undefined;
  /** When its first migration ran, if it has any. */
  readonly migratedAt: Date | undefined;
}

export interface Here {
  readonly host: string;
  readonly now: number;
  readonly alive: (pid: number) => boolean;
}

const mine = new Set<string>();

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a labelled schema, remembered so that it is dropped when this process's tests end. */
export async function createTestSchema(url: string): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const owner: SchemaOwner = { host: hostname(), pid: process.pid, created: new Date().toISOString() };
  await withClient(url, async (client) => {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`COMMENT ON SCHEMA ${schema} IS ${client.escapeLiteral(JSON.stringify(owner))}`);
  });
  mine.add(schema);
  return schema;
}

export async function dropTestSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA.test(schema)) throw new Error(`not a test schema: ${schema}`);
  await withClient(url, async (client) => {
    await client.query(`SET lock_timeout = '10s'`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  mine.delete(schema);
}

/** Drops every schema this process made and has not dropped yet. */
export async function dropOwnSchemas(url: string): Promise<void> {
  for (const schema of [...mine]) await dropTestSchema(url, schema);
}

/** The schemas this process made and still holds. */
export function ownSchemas(): readonly string[] {
  return [...mine];
}

/** Whether a schema was left behind: older than a day, or made on this host by a process that is gone. */
export function isAbandoned(facts: SchemaFacts, here: Here): boolean {
  const created = facts.owner ? Date.parse(facts.owner.created) : facts.migratedAt?.getTime();
  if (created !== undefined && here.now - created > ABANDONED_AFTER_MS) return true;
  return facts.owner !== undefined && facts.owner.host === here.host && facts.owner.pid !== process.pid && !here.alive(facts.owner.pid);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SweepOptions {
  readonly here?: Here;
  /** Wait for a sweep under way elsewhere instead of skipping. */
  readonly wait?: boolean;
}

/** Drops the test schemas dead runs left; one process sweeps at a time, the others skip. Returns the dropped names. */
export async function sweepAbandonedSchemas(url: string, options: SweepOptions = {}): Promise<string[]> {
  const here = options.here ?? { host: hostname(), now: Date.now(), alive: processAlive };
  return withClient(url, async (client) => {
    const lock = options.wait ? 'SELECT true AS locked FROM pg_advisory_lock($1)' : 'SELECT pg_try_advisory_lock($1) AS locked';
    const { rows } = await client.query<{ locked: boolean }>(lock, [SWEEP_LOCK]);
    if (!rows[0]?.locked) return [];
    await client.query(`SET lock_timeout = '10s'`);
    try {
      const dropped: string[] = [];
      for (const facts of await schemaFacts(client)) {
        if (mine.has(facts.name) || !isAbandoned(facts, here)) continue;
        await client.query(`DROP SCHEMA IF EXISTS ${facts.name} CASCADE`).then(
          () => dropped.push(facts.name),
          () => undefined,
        );
      }
      return dropped;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK]);
    }
  });
}

async function schemaFacts(client: pg.Client): Promise<SchemaFacts[]> {
  const { rows } = await client.query<{ name: string; comment: string | null; migrations: string | null }>(
    `SELECT nspname AS name, obj_description(oid, 'pg_namespace') AS comment,
            to_regclass(quote_ident(nspname) || '.schema_migrations')::text AS migrations
       FROM pg_namespace WHERE nspname ~ '^t_[0-9a-f]{12}$'`,
  );
  const facts: SchemaFacts[] = [];
  for (const row of rows) {
    const owner = parseOwner(row.comment);
    const migratedAt = owner || !row.migrations ? undefined : await firstMigration(client, row.name);
    facts.push({ name: row.name, owner, migratedAt });
  }
  return facts;
}

function parseOwner(comment: string | null): SchemaOwner | undefined {
  if (!comment) return undefined;
  try {
    const value = JSON.parse(comment) as Partial<SchemaOwner>;
    return typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.created === 'string' ? (value as SchemaOwner) : undefined;
  } catch {
    return undefined;
  }
}

async function firstMigration(client: pg.Client, schema: string): Promise<Date | undefined> {
  const result = await client.query<{ at: Date | null }>(`SELECT min(applied_at) AS at FROM ${schema}.schema_migrations`).catch(() => undefined);
  return result?.rows[0]?.at ?? undefined;
}
