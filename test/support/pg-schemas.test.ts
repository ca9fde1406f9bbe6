import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import pg from 'pg';
import { ABANDONED_AFTER_MS, dropOwnSchemas, isAbandoned, ownSchemas, sweepAbandonedSchemas } from './pg-schemas.ts';
import { POSTGRES_URL, freshSchemaUrl, postgresFactory, postgresRequired, reachable } from './stores.ts';

const DAY = ABANDONED_AFTER_MS;
const now = Date.parse('2026-06-01T12:00:00Z');
const here = { host: 'h1', now, alive: (pid: number) => pid === 42 };
const at = (ms: number) => new Date(now - ms).toISOString();

describe('which test schemas a sweep drops', () => {
  test('a schema whose process on this host is gone, or older than a day', () => {
    assert.equal(isAbandoned({ name: 't_0', owner: { host: 'h1', pid: 7, created: at(1000) }, migratedAt: undefined }, here), true);
    assert.equal(isAbandoned({ name: 't_0', owner: { host: 'h2', pid: 7, created: at(DAY + 1) }, migratedAt: undefined }, here), true);
    assert.equal(isAbandoned({ name: 't_0', owner: undefined, migratedAt: new Date(now - DAY - 1) }, here), true);
  });

  test('not a schema of a live process, of another host younger than a day, nor an unlabelled one of unknown age', () => {
    assert.equal(isAbandoned({ name: 't_0', owner: { host: 'h1', pid: 42, created: at(DAY - 1) }, migratedAt: undefined }, here), false);
    assert.equal(isAbandoned({ name: 't_0', owner: { host: 'h2', pid: 7, created: at(1000) }, migratedAt: undefined }, here), false);
    assert.equal(isAbandoned({ name: 't_0', owner: undefined, migratedAt: new Date(now - 1000) }, here), false);
    assert.equal(isAbandoned({ name: 't_0', owner: undefined, migratedAt: undefined }, here), false);
  });
});

const skip = (await reachable()) ? false : postgresRequired() ? false : `PostgreSQL not reachable at ${POSTGRES_URL}`;

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

const schemaOf = (url: string) => /search_path=(t_[0-9a-f]+)/.exec(decodeURIComponent(url))?.[1] ?? '';

describe('test schemas on the PostgreSQL server', { skip }, () => {
  test('a store from the postgres factory drops its schema when it is closed', async () => {
    const before = new Set(ownSchemas());
    const store = await postgresFactory.open();
    const [schema] = ownSchemas().filter((s) => !before.has(s));
    assert.ok(schema);
    assert.equal(await schemaExists(schema), true);
    await store.close();
    assert.equal(await schemaExists(schema), false);
    assert.ok(!ownSchemas().includes(schema));
  });

  test('a schema handed out by URL is labelled with its maker and dropped with the rest of the process', async () => {
    const schema = schemaOf(await freshSchemaUrl());
    assert.ok(ownSchemas().includes(schema));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const { rows } = await client.query<{ c: string }>(`SELECT obj_description(oid, 'pg_namespace') AS c FROM pg_namespace WHERE nspname = $1`, [schema]).finally(() => client.end());
    assert.deepEqual({ ...JSON.parse(rows[0]!.c), created: 'x' }, { host: hostname(), pid: process.pid, created: 'x' });
    await dropOwnSchemas(POSTGRES_URL);
    assert.equal(await schemaExists(schema), false);
    assert.deepEqual(ownSchemas(), []);
  });

  test('a sweep drops the schemas of dead processes and old unlabelled ones, and keeps the rest', async () => {
    const name = () => `t_${randomBytes(6).toString('hex')}`;
    const [dead, live, oldLegacy, newLegacy] = [name(), name(), name(), name()];
    const label = (pid: number) => `'${JSON.stringify({ host: hostname(), pid, created: new Date().toISOString() })}'`;
    await sql(`CREATE SCHEMA ${dead}; COMMENT ON SCHEMA ${dead} IS ${label(999_999_999)};
      CREATE SCHEMA ${live}; COMMENT ON SCHEMA ${live} IS ${label(process.ppid)};
      CREATE SCHEMA ${oldLegacy}; CREATE TABLE ${oldLegacy}.schema_migrations (version integer, applied_at timestamptz);
      INSERT INTO ${oldLegacy}.schema_migrations VALUES (1, now() - interval '2 days');
      CREATE SCHEMA ${newLegacy}; CREATE TABLE ${newLegacy}.schema_migrations (version integer, applied_at timestamptz);
      INSERT INTO ${newLegacy}.schema_migrations VALUES (1, now())`);
    try {
      const dropped = await sweepAbandonedSchemas(POSTGRES_URL, { wait: true });
      assert.ok(dropped.includes(dead) && dropped.includes(oldLegacy), dropped.join(' '));
      assert.equal(await schemaExists(dead), false);
      assert.equal(await schemaExists(oldLegacy), false);
      assert.equal(await schemaExists(live), true);
      assert.equal(await schemaExists(newLegacy), true);
    } finally {
      await sql(`DROP SCHEMA IF EXISTS ${dead}, ${live}, ${oldLegacy}, ${newLegacy} CASCADE`);
    }
  });
});
