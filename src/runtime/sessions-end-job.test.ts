import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { listAuditEntries } from '../audit/queries.ts';
import type { BatchItem } from '../lifecycle/handlers.ts';
import type { Job } from '../lifecycle/jobs.ts';
import { FEDERATION_SESSIONS_END_JOB, endSessionsBatch, endSessionsHandler } from './sessions-end-job.ts';

describeEachStore('federation.sessions.end run as a batch', (factory) => {
  const h = useHarness(factory);
  const ids: Record<string, string> = {};
  let nextJob = 100;

  before(async () => {
    const file = await h.file('hr.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((e) => hrLine(e))));
    assert.equal((await h.imports.run({ source: 'hr', file, actor: 'test' })).status, 'applied');
    const rows = await h.store.query<{ id: string; e: string }>(`SELECT id, attributes->'employee_id'->>'v' AS e FROM identities`);
    for (const r of rows) ids[r.e] = r.id;
  });

  async function signIn(person: string, session: string, credential: string): Promise<void> {
    const at = h.clock.now();
    await h.store.query(
      `INSERT INTO oidc_logins (session_uid, identity_id, credential_id, credential_type, aal, amr, auth_time, last_active_at) VALUES ($1, $2, $3, 'piv_card', 'aal3', '[]', $4, $4)`,
      [session, ids[person], credential, at],
    );
    await h.store.query(`INSERT INTO oidc_payloads (model, id, payload, uid, account_id) VALUES ('Session', $1, '{}', $1, $2)`, [session, ids[person]]);
  }

  async function event(type: string, person: string, payload: Record<string, unknown>): Promise<number> {
    const [row] = await h.store.query<{ id: number }>(`INSERT INTO events (type, identity_id, payload, correlation_id, occurred_at) VALUES ($1, $2, $3, 'req', $4) RETURNING id`, [
      type,
      ids[person],
      payload,
      h.clock.now(),
    ]);
    return Number(row?.id);
  }

  async function item(person: string, type: string, correlationId: string, payload: Record<string, unknown> = {}): Promise<BatchItem> {
    const eventId = await event(type, person, payload);
    const job = { id: nextJob++, kind: FEDERATION_SESSIONS_END_JOB, eventId, attempts: 1, payload: { identityId: ids[person], type, eventId } } as unknown as Job;
    return { job, correlationId };
  }

  function context() {
    const now = h.clock.now();
    const base = { clock: h.clock, audit: h.audit, now, workerId: 'w' };
    return { ...base, contextOf: (i: BatchItem) => ({ ...base, audit: h.audit.forEvent(i.job.eventId), correlationId: i.correlationId, causeEventId: i.job.eventId }) };
  }

  const entries = async (correlationId: string) => (await listAuditEntries(h.store, { correlationId })).filter((e) => e.action === 'oidc.sessions.ended');

  it('ends the sessions of the leavers that have some, and writes for the others the entry each job alone would', async () => {
    await signIn('E1', 'sess-1', 'card-1');
    const batch = [await item('E1', 'identity.leaver', 'c-1'), await item('E2', 'identity.leaver', 'c-2')];
    await h.store.transaction((tx) => endSessionsBatch.batch(batch, tx, context()));
    const [ended] = await h.store.query<{ ended_at: Date | null }>(`SELECT ended_at FROM oidc_logins WHERE session_uid = 'sess-1'`);
    assert.notEqual(ended?.ended_at, null);
    assert.equal((await h.store.query(`SELECT 1 FROM oidc_payloads WHERE account_id = $1`, [ids.E1])).length, 0);
    const [one] = await entries('c-1');
    const [two] = await entries('c-2');
    assert.deepEqual(one?.data, { identityId: ids.E1, sessions: ['sess-1'], backchannel_logouts: [], event_id: batch[0]?.job.eventId });
    assert.deepEqual(two?.data, { identityId: ids.E2, sessions: [], backchannel_logouts: [], event_id: batch[1]?.job.eventId });

    // the same job run alone writes the same entry
    const alone = await item('E3', 'identity.leaver', 'c-3');
    await h.store.transaction((tx) => endSessionsHandler(alone.job, tx, context().contextOf(alone)));
    const [three] = await entries('c-3');
    assert.deepEqual([three?.actor, three?.reason, three?.target, three?.data], [two?.actor, two?.reason, ids.E3, { ...two?.data, identityId: ids.E3, event_id: alone.job.eventId }]);
  });

  it("a card's job ends the sessions signed in with it; one whose sessions already ended records nothing", async () => {
    await signIn('E4', 'sess-4a', 'card-4');
    await signIn('E4', 'sess-4b', 'card-4-other');
    const batch = [await item('E1', 'credential.terminated', 'c-card-1', { credential_id: 'card-1' }), await item('E4', 'credential.terminated', 'c-card-4', { credential_id: 'card-4' })];
    await h.store.transaction((tx) => endSessionsBatch.batch(batch, tx, context()));
    assert.deepEqual(await entries('c-card-1'), []);
    const [four] = await entries('c-card-4');
    assert.deepEqual([four?.data.sessions, four?.data.credentialId], [['sess-4a'], 'card-4']);
    const open = await h.store.query<{ session_uid: string }>(`SELECT session_uid FROM oidc_logins WHERE identity_id = $1 AND ended_at IS NULL`, [ids.E4]);
    assert.deepEqual(
      open.map((r) => r.session_uid),
      ['sess-4b'],
    );
  });

  it("a card's job whose event names no credential, or is gone, fails the batch, as it fails alone", async () => {
    const unnamed = await item('E2', 'credential.terminated', 'c-unnamed');
    const gone = { ...unnamed, job: { ...unnamed.job, payload: { ...unnamed.job.payload, eventId: 999_999 } } as Job };
    for (const lone of [unnamed, gone]) {
      const other = await item('E3', 'identity.leaver', 'c-other');
      await assert.rejects(
        h.store.transaction((tx) => endSessionsBatch.batch([lone, other], tx, context())),
        /names no credential/,
      );
    }
  });

  it('a job naming no identity fails the batch, so that each job runs alone', async () => {
    const bad = { job: { id: nextJob++, kind: FEDERATION_SESSIONS_END_JOB, eventId: null, attempts: 1, payload: {} } as unknown as Job, correlationId: 'c-bad' };
    const good = await item('E2', 'identity.leaver', 'c-bad-2');
    await assert.rejects(
      h.store.transaction((tx) => endSessionsBatch.batch([bad, good], tx, context())),
      /has no identityId/,
    );
  });
});
