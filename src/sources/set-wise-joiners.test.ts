import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifyAuditLog } from '../audit/verify.ts';
import { writeDemoAgency } from '../demo/index.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { type Harness, harness, hrCsv, hrLine } from '../../test/support/muster.ts';
import { ImportService } from './importer.ts';

/**
 * New identities are written set-wise (a staging table, then INSERT … SELECT) or row by row: the same snapshots
 * imported both ways into two stores must leave the same rows — identities, links, attributes with provenance,
 * events, status history, jobs and the audit log's entries — but for generated ids and run ids.
 */

interface Side {
  readonly h: Harness;
  readonly imports: ImportService;
  readonly runs: string[];
}

async function side(open: () => Promise<Store>, setWiseJoiners: boolean): Promise<Side> {
  const h = await harness(await open(), { import: { massChangeShare: 0.3 } });
  return { h, imports: new ImportService({ store: h.store, clock: h.clock, audit: h.audit, config: h.config, registry: h.registry, setWiseJoiners }), runs: [] };
}

/** Every row the imports wrote, as text, with identity ids replaced by their source keys and run ids by their order. */
async function rowsOf(s: Side): Promise<Record<string, string[]>> {
  const q = <R extends Record<string, unknown>>(sql: string) => s.h.store.query<R>(sql);
  const keys = await q<{ id: string; key: string }>(`SELECT identity_id AS id, source || ':' || source_key AS key FROM source_links`);
  const disputes = await q<{ id: string; key: string }>(`SELECT id, 'dispute:' || source_key AS key FROM disputes`);
  const named = new Map([...keys, ...disputes].map((r) => [r.id, r.key]));
  const normal = (row: unknown) => {
    let text = JSON.stringify(row);
    for (const [id, key] of named) text = text.replaceAll(id, key);
    s.runs.forEach((run, i) => (text = text.replaceAll(run, `run-${i}`)));
    return text;
  };
  const tables: Record<string, string> = {
    identities: `SELECT id, kind, status, attributes, provenance, sponsor_id, expires_at, flags, last_updated, created_at, updated_at, version, name_skeleton, email_skeleton FROM identities`,
    links: `SELECT source, source_key, identity_id, digest, observed_at FROM source_links`,
    events: `SELECT id, type, identity_id, payload, correlation_id, occurred_at, cause_event_id FROM events`,
    history: `SELECT identity_id, from_status, to_status, reason, source, event_id, at, effective_at FROM status_history`,
    jobs: `SELECT kind, idempotency_key, payload, status, run_after, event_id, created_at, updated_at, priority FROM jobs`,
    audit: `SELECT seq, at, actor, action, target, reason, correlation_id, data FROM audit_log WHERE action NOT LIKE 'import.%'`,
    disputes: `SELECT source, source_key, record, candidates, status FROM disputes`,
  };
  const out: Record<string, string[]> = {};
  for (const [name, sql] of Object.entries(tables)) out[name] = (await q(sql)).map(normal).sort();
  return out;
}

async function importBoth(sides: readonly Side[], file: (h: Harness) => Promise<string>, skipInvalid = false): Promise<string[]> {
  const statuses: string[] = [];
  for (const s of sides) {
    const run = await s.imports.run({ source: 'hr', file: await file(s.h), actor: 'alice', skipInvalid });
    s.runs.push(run.id);
    statuses.push(`${run.status} ${JSON.stringify(run.summary)} ${JSON.stringify(run.errors)}`);
  }
  return statuses;
}

describeEachStore('set-wise joiners', (factory) => {
  const sides: Side[] = [];
  before(async () => {
    sides.push(await side(() => factory.open(), false), await side(() => factory.open(), true));
  });
  after(async () => {
    for (const s of sides) {
      await s.h.close();
      await s.h.store.close();
    }
  });

  const same = async () => {
    const [rowByRow, setWise] = await Promise.all(sides.map(rowsOf));
    for (const table of Object.keys(rowByRow ?? {})) assert.deepEqual(setWise?.[table], rowByRow?.[table], table);
  };

  test('a bad row refuses the first import the same way: named by line and field, nothing applied', async () => {
    const lines = [hrLine('E1'), hrLine('E2', { email: 'not an email' }), hrLine('E3')];
    const [a, b] = await importBoth(sides, (h) => h.file('bad.csv', hrCsv(lines)));
    assert.equal(b, a);
    assert.match(a ?? '', /^refused .*"line":3,"field":"email"/);
    for (const s of sides) assert.equal((await s.h.store.query<{ n: number }>('SELECT count(*)::int AS n FROM identities'))[0]?.n, 0);
    await same();
  });

  test('a first import of the demo agency writes the same rows both ways', async () => {
    const [a, b] = await importBoth(sides, async (h) => (await writeDemoAgency(join(h.dir, 'day0'), { seed: 11, people: 400, day: 0 }, 'csv')).files.hr);
    assert.equal(b, a);
    assert.match(a ?? '', /^applied /);
    await same();
  });

  test('the next day (joiners among movers, leavers and returns) writes the same rows both ways', async () => {
    const [a, b] = await importBoth(sides, async (h) => (await writeDemoAgency(join(h.dir, 'day1'), { seed: 11, people: 400, day: 1 }, 'csv')).files.hr);
    assert.equal(b, a);
    assert.match(a ?? '', /^applied .*"joiners":[1-9]/);
    await same();
  });

  test('a look-alike and a skipped bad row among joiners: the same dispute, the same identities', async () => {
    const lines = [hrLine('E900', { given_name: 'Copa', family_name: 'Kopa', email: 'copa.kopa@demo.gov' }), hrLine('E901', { hire_date: 'soon' }), hrLine('E902')];
    const day1 = async (h: Harness) => (await readFile(join(h.dir, 'day1', 'hr.csv'), 'utf8')).trimEnd().split('\n').slice(1);
    await importBoth(sides, async (h) => h.file('one.csv', hrCsv([...(await day1(h)), ...lines])), true);
    const lookAlike = [hrLine('E903', { given_name: 'Сора', family_name: 'Кора', email: 'sora.kora@demo.gov' }), hrLine('E904', { status: 'terminated' })];
    const [a, b] = await importBoth(sides, async (h) => h.file('two.csv', hrCsv([...(await day1(h)), ...lines, ...lookAlike])), true);
    assert.equal(b, a);
    assert.match(a ?? '', /"disputed":1/);
    await same();
  });

  test('too many leavers by absence: held the same way, nothing applied', async () => {
    const [a, b] = await importBoth(sides, (h) => h.file('few.csv', hrCsv([hrLine('E900', { given_name: 'Copa', family_name: 'Kopa', email: 'copa.kopa@demo.gov' })])));
    assert.equal(b, a);
    assert.match(a ?? '', /^held /);
    await same();
  });

  test('both audit logs verify', async () => {
    for (const s of sides) {
      const result = await verifyAuditLog(s.h.store, s.h.auditKeys);
      assert.equal(result.ok, true, JSON.stringify(result.firstBad));
    }
  });
});
