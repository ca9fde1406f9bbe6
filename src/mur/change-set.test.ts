import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import type { IdentityState } from '../core/identity/record.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { useHarness } from '../../test/support/muster.ts';
import { claimJobs } from '../lifecycle/queue.ts';
import { ChangeSet, type ChangeContext } from './change-set.ts';

const T = new Date('2026-03-02T09:00:00Z');
const ADA = '00000000-0000-4000-8000-0000000000a1';
const NEW = '00000000-0000-4000-8000-0000000000b2';

const identity = (id: string): IdentityState => ({ id, kind: 'person', status: 'active', attributes: {}, sponsorId: null, expiresAt: null, flags: [], lastUpdated: T, createdAt: T, version: 1 });
const trust = (identityId: string, eligibility: string) => ({
  identity_id: identityId,
  eligibility,
  status: 'current',
  investigation_type: null,
  adjudication_date: '2025-06-30',
  continuous_vetting: true,
  source: 'vetting',
  source_record: `v-${eligibility}`,
  observed_at: T,
});

describeEachStore('the change set writes typed rows', (factory) => {
  const h = useHarness(factory);
  const ctx = (): ChangeContext => ({ now: T, correlationId: 'c-1', audit: h.audit });
  const commit = (changes: ChangeSet) => h.store.transaction((tx) => changes.commit(tx, ctx()));
  const count = async (table: 'identities' | 'trust' | 'behave' | 'disputes' | 'events') =>
    Number((await h.store.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

  beforeEach(async () => {
    for (const table of ['disputes', 'behave', 'trust'] as const) await h.store.db.deleteFrom(table).execute();
    await h.store.db.deleteFrom('identities').where('id', '=', NEW).execute();
    if ((await count('identities')) === 0) await commit(Object.assign(new ChangeSet(), { created: [identity(ADA)] }));
  });

  test('an upsert overwrites the row on its key, every other column from the new row', async () => {
    const first = new ChangeSet();
    first.upsert('trust', [trust(ADA, 'interim')], ['identity_id']);
    await commit(first);
    const second = new ChangeSet();
    second.upsert('trust', [trust(ADA, 'favorable')], ['identity_id']);
    await commit(second);
    const rows = await h.store.db.selectFrom('trust').select(['eligibility', 'source_record', 'continuous_vetting']).execute();
    assert.deepEqual(rows, [{ eligibility: 'favorable', source_record: 'v-favorable', continuous_vetting: true }]);
  });

  test('an insert with a conflict clause on a partial unique index leaves the open dispute of a record alone', async () => {
    const dispute = (id: string) => ({
      id,
      source: 'hr',
      source_key: 'E1',
      run_id: null,
      record: JSON.stringify({ line: 2 }),
      candidates: JSON.stringify([{ identity_id: ADA }]),
      status: 'open',
      created_at: T,
    });
    for (const id of ['10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002']) {
      const changes = new ChangeSet();
      changes.insert('disputes', [dispute(id)], (oc) => oc.columns(['source', 'source_key']).where('status', '=', sql.lit('open')).doNothing());
      await commit(changes);
    }
    const rows = await h.store.db.selectFrom('disputes').select(['id', 'candidates']).execute();
    assert.deepEqual(rows, [{ id: '10000000-0000-4000-8000-000000000001', candidates: [{ identity_id: ADA }] }]);
  });

  test('more rows than one statement takes are written in chunks', async () => {
    const changes = new ChangeSet();
    const rows = Array.from({ length: 9000 }, (_, i) => ({
      identity_id: ADA,
      course: `course-${i}`,
      status: 'complete',
      completed: null,
      expires: null,
      source: 'training',
      source_record: `t-${i}`,
      observed_at: T,
    }));
    changes.upsert('behave', rows, ['identity_id', 'course']);
    await commit(changes);
    assert.equal(await count('behave'), 9000);
  });

  test('COPY, query() and Kysely writes of one change set roll back as one: a failing typed row undoes the copied identity', async () => {
    const changes = new ChangeSet();
    changes.created.push(identity(NEW));
    changes.events.push({ type: 'trust.changed', identityId: NEW, payload: {}, audit: { actor: 'test', action: 'trust.changed', target: NEW } });
    changes.upsert('trust', [trust(NEW, 'favorable'), trust('00000000-0000-4000-8000-0000000000ff', 'interim')], ['identity_id']);
    const before = { identities: await count('identities'), events: await count('events') };
    await assert.rejects(commit(changes), (e: { pgCode?: string }) => e.pgCode === '23503');
    assert.deepEqual({ identities: await count('identities'), events: await count('events'), trust: await count('trust') }, { ...before, trust: 0 });
  });
  test('the jobs of a leaver are claimed before bulk work queued earlier: cessation of trust does not wait in line', async () => {
    await h.store.query(`UPDATE jobs SET status = 'done' WHERE status <> 'done'`);
    const event = (type: string) => ({ type, identityId: ADA, payload: {}, audit: { actor: 'test', action: type, target: ADA } });
    const bulk = new ChangeSet();
    for (let i = 0; i < 5; i++) bulk.events.push(event('identity.updated'));
    await commit(bulk);
    const leaver = new ChangeSet();
    leaver.events.push(event('identity.leaver'));
    await commit(leaver);
    const queued = await h.store.db.selectFrom('jobs').select(['kind', 'priority']).where('status', '=', 'pending').orderBy('id').execute();
    assert.deepEqual([...new Set(queued.filter((j) => j.priority === 0).map((j) => j.kind))].sort(), [
      'access.recompute',
      'credentials.terminate',
      'federation.provision',
      'federation.sessions.end',
      'federation.signal',
      'npe.sponsor-left',
      'operators.revoke-tokens',
    ]);
    assert.ok(
      queued.slice(0, 15).every((j) => j.priority === 1),
      'the bulk jobs were queued first, at normal priority',
    );
    const claimed = await claimJobs(h.store, { workerId: 'w', now: T, leaseMs: 60_000, limit: 7 });
    assert.deepEqual(
      claimed.map((c) => c.job.kind),
      ['operators.revoke-tokens', 'federation.sessions.end', 'federation.signal', 'access.recompute', 'npe.sponsor-left', 'credentials.terminate', 'federation.provision'],
    );
  });
});
