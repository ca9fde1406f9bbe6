import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { HR_HEADER, harness, hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { decodeAttributes } from '../mur/attribute-codec.ts';
import { fillMissingSkeletons } from '../mur/identity-repository.ts';
import type { Store, Tx } from '../store/store.ts';

async function statusOf(store: Store, employeeId: string): Promise<string | undefined> {
  const rows = await store.query<{ status: string }>(`SELECT status FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [employeeId]);
  return rows[0]?.status;
}

async function count(store: Store, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]?.n ?? -1;
}

describeEachStore('HR snapshot import', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 0.3 } });

  test('a first snapshot creates one identity per row, with provenance on every attribute', async () => {
    const file = await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E10'].map((id) => hrLine(id))));
    const run = await h.imports.run({ source: 'hr', file, actor: 'alice' });
    assert.equal(run.status, 'applied');
    assert.equal(run.summary.joiners, 10);
    assert.equal(await count(h.store, 'identities'), 10);
    const [row] = await h.store.query<{ attributes: unknown; provenance: unknown }>(`SELECT attributes, provenance FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E3'`);
    const attributes = decodeAttributes(row?.attributes, row?.provenance);
    assert.deepEqual(attributes.department, { v: 'Finance', s: 'hr', r: 'E3', t: '2026-03-02T09:00:00.000Z' });
    assert.equal(attributes.full_name?.v, 'Given3 Family3');
    assert.equal(await count(h.store, `events WHERE type = 'identity.joiner'`), 10);
    assert.equal(await count(h.store, `audit_log WHERE action = 'identity.joiner'`), 10);
  });

  test('importing the same snapshot again changes nothing', async () => {
    const before = await count(h.store, 'events');
    const file = await h.file('day0-again.csv', hrCsv(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E10'].map((id) => hrLine(id))));
    const run = await h.imports.run({ source: 'hr', file, actor: 'alice' });
    assert.equal(run.status, 'applied');
    assert.equal(run.summary.unchanged, 10);
    assert.equal(await count(h.store, 'events'), before);
  });

  test('the next day gives movers, leavers, leave, joiners, and a leaver by absence', async () => {
    const lines = [
      hrLine('E1', { department: 'Legal' }),
      hrLine('E2', { status: 'terminated' }),
      hrLine('E3', { status: 'leave', leave_type: 'medical' }),
      hrLine('E4'),
      hrLine('E5'),
      hrLine('E6'),
      hrLine('E7'),
      hrLine('E8'),
      hrLine('E9'),
      hrLine('E11'),
    ];
    const run = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.deepEqual([run.summary.movers, run.summary.leavers, run.summary.leave, run.summary.joiners, run.summary.absent], [1, 2, 1, 1, 1]);
    assert.equal(await statusOf(h.store, 'E2'), 'terminated');
    assert.equal(await statusOf(h.store, 'E10'), 'terminated');
    assert.equal(await statusOf(h.store, 'E3'), 'leave');
    const moves = await h.store.query<{ from_status: string; to_status: string }>(
      `SELECT from_status, to_status FROM status_history h JOIN identities i ON i.id = h.identity_id WHERE i.attributes -> 'employee_id' ->> 'v' = 'E2' ORDER BY h.id`,
    );
    assert.deepEqual(
      moves.map((m) => `${m.from_status}>${m.to_status}`),
      ['null>active', 'active>inactive', 'inactive>terminated'],
    );
    assert.equal(await count(h.store, `jobs WHERE kind = 'npe.sponsor-left'`), 2);
  });

  test('return and rehire reuse the same identity', async () => {
    const idBefore = (await h.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E2'`))[0]?.id;
    const lines = [hrLine('E1', { department: 'Legal' }), hrLine('E2'), hrLine('E3'), ...['E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E11'].map((id) => hrLine(id))];
    const run = await h.imports.run({ source: 'hr', file: await h.file('day2.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.summary.rehires, 1);
    assert.equal(run.summary.returns, 1);
    const idAfter = (await h.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E2'`))[0]?.id;
    assert.equal(idAfter, idBefore);
    assert.equal(await statusOf(h.store, 'E2'), 'active');
  });

  test('a rehire under a new employee number is correlated by email to the terminated identity', async () => {
    const old = (await h.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E10'`))[0]?.id;
    const lines = [hrLine('E1', { department: 'Legal' }), ...['E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E11'].map((id) => hrLine(id)), hrLine('E100', { email: 'given10.family10@demo.gov' })];
    const run = await h.imports.run({ source: 'hr', file: await h.file('day3.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.summary.rehires, 1, JSON.stringify(run.summary));
    assert.equal(run.summary.joiners, 0);
    const links = await h.store.query<{ source_key: string }>(`SELECT source_key FROM source_links WHERE identity_id = $1`, [old]);
    assert.deepEqual(
      links.map((l) => l.source_key),
      ['E100'],
    );
  });

  test('a new record matching an active identity by email becomes a disputed case, not a new identity', async () => {
    const lines = [
      hrLine('E1', { department: 'Legal' }),
      ...['E2', 'E3', 'E4', 'E5', 'E6', 'E7', 'E8', 'E9', 'E11', 'E100'].map((id) => hrLine(id, id === 'E100' ? { email: 'given10.family10@demo.gov' } : {})),
      hrLine('E200', { email: 'given4.family4@demo.gov' }),
    ];
    const before = await count(h.store, 'identities');
    const run = await h.imports.run({ source: 'hr', file: await h.file('day4.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(run.summary.disputed, 1);
    assert.equal(await count(h.store, 'identities'), before);
    assert.equal(await count(h.store, `disputes WHERE status = 'open' AND source_key = 'E200'`), 1);
    const again = await h.imports.run({ source: 'hr', file: await h.file('day4b.csv', hrCsv(lines)), actor: 'alice' });
    assert.equal(again.status, 'applied');
    assert.equal(await count(h.store, `disputes WHERE source_key = 'E200'`), 1);
  });
});

describeEachStore('bad input', (factory) => {
  const h = useHarness(factory);

  const bad = [
    hrLine('E1'),
    hrLine('E2', { status: 'retired' }),
    hrLine('E3', { hire_date: '2026-02-30' }),
    hrLine('E1'),
    hrLine('E4', { email: 'not-an-email' }),
    hrLine('E5', { given_name: 'x'.repeat(300) }),
    hrLine('E6', { hire_date: '1850-01-01' }),
    'E7,only,three',
    hrLine('E8'),
  ];

  test('a file with bad rows is refused whole, each error naming file, line and field', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('bad.csv', hrCsv(bad)), actor: 'alice' });
    assert.equal(run.status, 'refused');
    assert.equal(run.summary.invalid, 7);
    assert.equal(await count(h.store, 'identities'), 0);
    const where = run.errors.map((e) => `${e.file}:${e.line}:${e.field ?? ''}`);
    assert.deepEqual(where, ['bad.csv:3:status', 'bad.csv:4:hire_date', 'bad.csv:5:key', 'bad.csv:6:email', 'bad.csv:7:given_name', 'bad.csv:8:hire_date', 'bad.csv:9:']);
    assert.match(run.errors[0]?.message ?? '', /unknown value 'retired'/);
    assert.equal(await count(h.store, `audit_log WHERE action = 'import.refused'`), 1);
  });

  test('--skip-invalid applies the good rows and reports the rest', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('bad2.csv', hrCsv(bad)), actor: 'alice', skipInvalid: true });
    assert.equal(run.status, 'applied');
    assert.equal(run.summary.joiners, 2);
    assert.equal(run.errors.length, 7);
    assert.equal(await count(h.store, 'identities'), 2);
  });

  test('unknown and missing columns refuse the file before anything is read', async () => {
    const file = await h.file('cols.csv', 'employee_id,given_name,shoe_size,status\nE9,A,42,active\n');
    await assert.rejects(h.imports.run({ source: 'hr', file, actor: 'alice' }), (error: any) => {
      assert.equal(error.code, 'MUSTER_ERR_IMPORT_FILE');
      const fields = error.details.map((d: any) => d.field);
      assert.ok(fields.includes('shoe_size') && fields.includes('family_name') && fields.includes('home_agency'), fields.join());
      return true;
    });
  });

  test('a UTF-8 BOM is accepted; UTF-16 and broken UTF-8 are refused with the line', async () => {
    const bom = await h.imports.run({ source: 'hr', file: await h.file('bom.csv', `\uFEFF${hrCsv([hrLine('E1'), hrLine('E8')])}`), actor: 'a' });
    assert.equal(bom.status, 'applied');
    await assert.rejects(h.imports.run({ source: 'hr', file: await h.file('u16.csv', Buffer.from(`\uFEFF${hrCsv([hrLine('E1')])}`, 'utf16le')), actor: 'a' }), /UTF-16/);
    const broken = Buffer.concat([Buffer.from(`${HR_HEADER}\n`), Buffer.from(hrLine('E9', { given_name: 'Zo__' })).map((b) => (b === 0x5f ? 0xff : b)), Buffer.from('\n')]);
    const run = await h.imports.run({ source: 'hr', file: await h.file('latin.csv', broken), actor: 'a' });
    assert.equal(run.status, 'refused');
    assert.equal(run.errors[0]?.field, 'given_name');
    assert.match(run.errors[0]?.message ?? '', /UTF-8/);
  });

  test('JSON Lines: bad JSON and unknown fields name their line', async () => {
    const good = JSON.stringify(Object.fromEntries(HR_HEADER.split(',').map((k, i) => [k, hrLine('E20').split(',')[i]])));
    const text = `${good}\n{"employee_id": "E21", \n${JSON.stringify({ employee_id: 'E22', colour: 'red' })}\n`;
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.jsonl', text), actor: 'a' });
    assert.equal(run.status, 'refused');
    assert.deepEqual(
      run.errors.map((e) => e.line),
      [2, 3],
    );
    assert.equal(run.errors[1]?.field, 'colour');
  });

  test('a crash in the middle of an import leaves nothing half-applied, and the run says failed', async () => {
    const before = { identities: await count(h.store, 'identities'), joinerAudits: await count(h.store, `audit_log WHERE action LIKE 'identity.%'`) };
    const lines = Array.from({ length: 30 }, (_, i) => hrLine(`E${300 + i}`));
    const failing = new Proxy(h.store, {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop);
        return (fn: any) =>
          target.transaction(async (tx) => {
            let copies = 0;
            const wrapped = {
              ...tx,
              copyRows: async (...args: Parameters<typeof tx.copyRows>) => {
                if (++copies === 3) throw new Error('power cut');
                return tx.copyRows(...args);
              },
            };
            return fn(wrapped);
          });
      },
    });
    const services = await harness(failing as Store, { import: { massChangeShare: 1 } });
    await assert.rejects(services.imports.run({ source: 'hr', file: await h.file('crash.csv', hrCsv(lines)), actor: 'a' }), /power cut/);
    assert.equal(await count(h.store, 'identities'), before.identities);
    assert.equal(await count(h.store, `audit_log WHERE action LIKE 'identity.%'`), before.joinerAudits);
    const [run] = await h.store.query<{ status: string }>(`SELECT status FROM import_runs WHERE file_name = 'crash.csv'`);
    assert.equal(run?.status, 'failed');
    await services.close();
  });

  test('a batch whose write fails is reported by its own error, not by the next batch made ready meanwhile', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => hrLine(`E${400 + i}`));
    const failing = new Proxy(h.store, {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop);
        return (fn: (tx: Tx) => Promise<unknown>) =>
          target.transaction(async (tx) => {
            let audits = 0;
            const wrapped = {
              ...tx,
              // the fourth batch's audit entries go to a table that is not there: the server aborts the transaction
              copyRows: (table: string, columns: readonly string[], rows: Parameters<typeof tx.copyRows>[2]) =>
                tx.copyRows(table === 'audit_log' && ++audits === 4 ? 'audit_log_gone' : table, columns, rows),
            };
            return fn(wrapped);
          });
      },
    });
    const services = await harness(failing as Store, { import: { massChangeShare: 1, batchSize: 10 } });
    await assert.rejects(services.imports.run({ source: 'hr', file: await h.file('aborted.csv', hrCsv(lines)), actor: 'a' }), /audit_log_gone/);
    await services.close();
  });
});

describeEachStore('look-alike names and emails (Unicode TR #39 confusables)', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });

  const disputeOf = async (key: string) => {
    const rows = await h.store.query<{ candidates: { identity_id: string; rule: string; confidence: number }[] }>(`SELECT candidates FROM disputes WHERE source_key = $1`, [key]);
    return rows;
  };
  const idOf = async (employeeId: string) => (await h.store.query<{ id: string }>(`SELECT id FROM identities WHERE attributes -> 'employee_id' ->> 'v' = $1`, [employeeId]))[0]?.id;

  test('a new person whose name or email only looks like an existing identity’s is a disputed case against it, not a second person', async () => {
    const day0 = [hrLine('E1', { given_name: 'Copa' }), hrLine('E2'), hrLine('E3', { given_name: 'Kopa' }), hrLine('E4', { department: 'Legal' })];
    assert.equal((await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(day0)), actor: 'alice' })).status, 'applied');
    const [e1] = await h.store.query<{ name_skeleton: string | null; email_skeleton: string | null }>(
      `SELECT name_skeleton, email_skeleton FROM identities WHERE attributes -> 'employee_id' ->> 'v' = 'E1'`,
    );
    assert.equal(e1?.name_skeleton, 'copa farnilyl', 'the skeleton is stored with the identity');
    const before = await count(h.store, 'identities');
    const day1 = [
      ...day0,
      // Cyrillic С, о, р, а: the word is all Cyrillic, so no mixed-script check refuses it
      hrLine('E11', { given_name: '\u0421\u043e\u0440\u0430', family_name: 'Family1', email: 'other11@demo.gov' }),
      // Greek Κ, ο, ρ, α
      hrLine('E13', { given_name: '\u039a\u03bf\u03c1\u03b1', family_name: 'Family3', email: 'other13@demo.gov' }),
      // "rn" for "m" in the email
      hrLine('E12', { given_name: 'Someone', family_name: 'Else', email: 'given2.farnily2@demo.gov' }),
      // the same name as E4 in another department: a namesake, left to the configured rules (a new person)
      hrLine('E14', { given_name: 'Given4', family_name: 'Family4', email: 'other14@demo.gov' }),
      // the same name in other letter case: not a look-alike either
      hrLine('E15', { given_name: 'GIVEN4', family_name: 'family4', email: 'other15@demo.gov' }),
    ];
    const run = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv(day1)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    assert.equal(run.summary.disputed, 3);
    assert.equal(await count(h.store, 'identities'), before + 2, 'only the namesakes are created');
    for (const [key, existing] of [
      ['E11', 'E1'],
      ['E13', 'E3'],
      ['E12', 'E2'],
    ] as const) {
      const [dispute] = await disputeOf(key);
      assert.deepEqual(
        dispute?.candidates.map((c) => ({ id: c.identity_id, rule: c.rule, confidence: c.confidence })),
        [{ id: await idOf(existing), rule: 'look-alike', confidence: 0 }],
        key,
      );
    }
    assert.equal((await disputeOf('E14')).length, 0);
    assert.equal((await disputeOf('E15')).length, 0);
  });

  test('an identity stored before the skeletons existed gets them at the next start, and is found by them', async () => {
    const old = '00000000-0000-4000-8000-0000000000a1';
    await h.store.query(`INSERT INTO identities (id, kind, status, attributes, provenance, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', $2, '[]', $3, $3, $3)`, [
      old,
      { given_name: { v: 'Tessa' }, family_name: { v: 'Old' }, email: { v: 'tessa.old@demo.gov' } },
      h.clock.now(),
    ]);
    assert.equal(await fillMissingSkeletons(h.store), 1);
    assert.equal(await fillMissingSkeletons(h.store), 0, 'once');
    const run = await h.imports.run({
      source: 'hr',
      file: await h.file('day2.csv', hrCsv([hrLine('E30', { given_name: 'Other', family_name: 'Person', email: 'tessa.o1d@demo.gov' })])),
      actor: 'alice',
    });
    assert.equal(run.summary.disputed, 1, 'an "1" for an "l" in the email');
    assert.deepEqual(
      (await disputeOf('E30'))[0]?.candidates.map((c) => c.identity_id),
      [old],
    );
  });

  test('a Cyrillic letter in an email is refused on input, naming the field', async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('cyrillic.csv', hrCsv([hrLine('E20', { email: 'given2.f\u0430mily2@demo.gov' })])), actor: 'alice' });
    assert.notEqual(run.status, 'applied');
    assert.match(JSON.stringify(run.errors), /email/);
  });
});
