import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { findByAttributes, identityView, listIdentities, loadIdentities, updateIdentities } from './identity-repository.ts';
import { encodeAttributes } from './attribute-codec.ts';
const stored = (attributes: Record<string, unknown>) => encodeAttributes(attributes as never);

const T = '2026-03-01T12:00:00.000Z';
const ids = {
  ada: '00000000-0000-4000-8000-000000000001',
  bob: '00000000-0000-4000-8000-000000000002',
  bot: '00000000-0000-4000-8000-000000000003',
  cy: '00000000-0000-4000-8000-000000000004',
  missing: '00000000-0000-4000-8000-0000000000ff',
};

const a = (v: unknown, s = 'hr', r = 'row-1') => ({ v, s, r, t: T });

async function insertIdentity(store: Store, id: string, kind: string, status: string, attributes: Record<string, unknown>, sponsor: string | null = null): Promise<void> {
  await store.query(
    `INSERT INTO identities (id, kind, status, attributes, provenance, sponsor_id, flags, last_updated, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $8, $5, $6, $7, $7, $7)`,
    [id, kind, status, JSON.stringify(stored(attributes).attributes), sponsor, JSON.stringify(kind === 'bot' ? ['npe'] : []), T, JSON.stringify(stored(attributes).provenance)],
  );
}

async function seed(store: Store): Promise<void> {
  await insertIdentity(store, ids.ada, 'person', 'active', {
    employee_id: a('E100'),
    full_name: a('Ada Lovelace'),
    email: a('ada@agency.gov'),
    department: a('Engineering'),
    component: a('OCIO'),
    user_type: a('government'),
    home_agency: a('9700'),
  });
  await insertIdentity(store, ids.bob, 'person', 'leave', {
    employee_id: a('E200'),
    given_name: a('Bob'),
    family_name: a('Adams'),
    email: a('bob_x@agency.gov'),
    department: a('Finance'),
    user_type: a('contractor'),
  });
  await insertIdentity(store, ids.bot, 'bot', 'active', { full_name: a('Build Bot', 'npe', 'npe-1'), user_type: a('non_person', 'npe', 'npe-1') }, ids.ada);
  await insertIdentity(store, ids.cy, 'person', 'terminated', { full_name: a('Cy Twombly'), email: a('cy%@agency.gov'), department: a('Engineering') });
  await store.query(`INSERT INTO source_links VALUES ('hr', 'E100', $1, 'd1', $2)`, [ids.ada, T]);
  await store.query(
    `INSERT INTO status_history (identity_id, from_status, to_status, reason, source, at) VALUES ($1, NULL, 'pending', 'created', 'hr', $2), ($1, 'pending', 'active', 'hired', 'hr', $2)`,
    [ids.ada, T],
  );
  await store.query(`INSERT INTO trust VALUES ($1, 'eligible', 'favorable', 'T3', '2025-06-30', true, 'vetting', 'v-1', $2)`, [ids.ada, T]);
  await store.query(`INSERT INTO behave VALUES ($1, 'security-awareness', 'complete', '2026-01-15', '2027-01-15', 'training', 't-1', $2)`, [ids.ada, T]);
  await store.query(`INSERT INTO credentials VALUES ('10000000-0000-4000-8000-000000000001', $1, 'piv', 'active', 'card-9', '{"fascn":"x"}', $2, NULL, $2)`, [ids.ada, T]);
  await store.query(`INSERT INTO accounts VALUES ('20000000-0000-4000-8000-000000000001', $1, 'ad', 'ada', 'enabled', true, '{}', $2)`, [ids.ada, T]);
  await store.query(`INSERT INTO privileges VALUES ('30000000-0000-4000-8000-000000000001', $1, 'admin', 'active', 'payroll', $2)`, [ids.ada, T]);
  await store.query(`INSERT INTO entitlements VALUES ('40000000-0000-4000-8000-000000000001', $1, 'ad', 'cn=eng', 'group', 'birthright', $2)`, [ids.ada, T]);
}

async function rejects(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMusterError(error), String(error));
    assert.equal(error.code, code);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describeEachStore('the identity repository', (factory) => {
  let store: Store;
  before(async () => {
    store = await factory.open();
    await seed(store);
  });
  after(() => store.close());

  it('lists every identity in id order with summary fields', async () => {
    const page = await listIdentities(store, {});
    assert.deepEqual(
      page.items.map((i) => i.id),
      [ids.ada, ids.bob, ids.bot, ids.cy],
    );
    assert.equal(page.nextCursor, undefined);
    assert.deepEqual(page.items[0], {
      id: ids.ada,
      kind: 'person',
      status: 'active',
      employeeId: 'E100',
      fullName: 'Ada Lovelace',
      email: 'ada@agency.gov',
      department: 'Engineering',
      component: 'OCIO',
      userType: 'government',
      homeAgency: '9700',
      lastUpdated: T,
    });
    assert.equal(page.items[1]?.fullName, 'Bob Adams', 'full name falls back to given + family');
  });

  it('filters by status, kind, user type, department and component', async () => {
    const pick = async (filter: Parameters<typeof listIdentities>[1]) => (await listIdentities(store, filter)).items.map((i) => i.id);
    assert.deepEqual(await pick({ status: 'active' }), [ids.ada, ids.bot]);
    assert.deepEqual(await pick({ kind: 'bot' }), [ids.bot]);
    assert.deepEqual(await pick({ userType: 'contractor' }), [ids.bob]);
    assert.deepEqual(await pick({ department: 'Engineering' }), [ids.ada, ids.cy]);
    assert.deepEqual(await pick({ department: 'Engineering', status: 'terminated' }), [ids.cy]);
    assert.deepEqual(await pick({ component: 'OCIO' }), [ids.ada]);
  });

  it('q matches a case-insensitive prefix of names, email and employee id, with LIKE characters taken literally', async () => {
    const pick = async (q: string) => (await listIdentities(store, { q })).items.map((i) => i.id);
    assert.deepEqual(await pick('ada'), [ids.ada, ids.bob]);
    assert.deepEqual(await pick('LOVE'), []);
    assert.deepEqual(await pick('e2'), [ids.bob]);
    assert.deepEqual(await pick('BOB_'), [ids.bob]);
    assert.deepEqual(await pick('bo_'), []);
    assert.deepEqual(await pick('cy%'), [ids.cy]);
    assert.deepEqual(await pick('c%'), []);
  });

  it('pages with an opaque keyset cursor', async () => {
    const first = await listIdentities(store, { limit: 3 });
    assert.deepEqual(
      first.items.map((i) => i.id),
      [ids.ada, ids.bob, ids.bot],
    );
    assert.ok(first.nextCursor);
    const second = await listIdentities(store, { limit: 3, cursor: first.nextCursor });
    assert.deepEqual(
      second.items.map((i) => i.id),
      [ids.cy],
    );
    assert.equal(second.nextCursor, undefined);
  });

  it('refuses bad filters naming the field', async () => {
    await rejects(listIdentities(store, { status: 'gone' }), 'MUSTER_ERR_VALIDATION', /status/);
    await rejects(listIdentities(store, { limit: 501 }), 'MUSTER_ERR_VALIDATION', /limit/);
    await rejects(listIdentities(store, { limit: 0 }), 'MUSTER_ERR_VALIDATION', /limit/);
    await rejects(listIdentities(store, { cursor: 'not-a-cursor' }), 'MUSTER_ERR_VALIDATION', /cursor/);
  });

  it('gives the single view with provenance and every CDM object', async () => {
    const view = await identityView(store, ids.ada);
    assert.equal(view.status, 'active');
    assert.deepEqual(
      view.attributes.find((x) => x.name === 'email'),
      { name: 'email', value: 'ada@agency.gov', source: 'hr', sourceRecord: 'row-1', observedAt: T },
    );
    assert.deepEqual(view.sourceLinks, [{ source: 'hr', sourceKey: 'E100', observedAt: T }]);
    assert.deepEqual(
      view.statusHistory.map((h) => [h.fromStatus, h.toStatus]),
      [
        [null, 'pending'],
        ['pending', 'active'],
      ],
    );
    assert.deepEqual(view.trust, {
      eligibility: 'eligible',
      status: 'favorable',
      investigationType: 'T3',
      adjudicationDate: '2025-06-30',
      continuousVetting: true,
      source: 'vetting',
      sourceRecord: 'v-1',
      observedAt: T,
    });
    assert.deepEqual(view.behave, [{ course: 'security-awareness', status: 'complete', completed: '2026-01-15', expires: '2027-01-15', source: 'training', sourceRecord: 't-1', observedAt: T }]);
    assert.deepEqual(
      view.credentials.map((c) => [c.type, c.reference, c.details]),
      [['piv', 'card-9', { fascn: 'x' }]],
    );
    assert.deepEqual(
      view.accounts.map((c) => [c.target, c.accountRef, c.privileged]),
      [['ad', 'ada', true]],
    );
    assert.deepEqual(
      view.privileges.map((p) => [p.privilegeType, p.system]),
      [['admin', 'payroll']],
    );
    assert.deepEqual(
      view.entitlements.map((e) => [e.entitlement, e.reason]),
      [['cn=eng', 'birthright']],
    );
    assert.equal(view.sponsor, null);
    assert.deepEqual(
      view.sponsored.map((s) => s.id),
      [ids.bot],
    );
  });

  it('shows the sponsor of an NPE and its flags', async () => {
    const view = await identityView(store, ids.bot);
    assert.equal(view.sponsorId, ids.ada);
    assert.equal(view.sponsor?.fullName, 'Ada Lovelace');
    assert.deepEqual(view.flags, ['npe']);
    assert.equal(view.trust, null);
    assert.deepEqual(view.behave, []);
  });

  it('names a missing or malformed id', async () => {
    await rejects(identityView(store, ids.missing), 'MUSTER_ERR_NOT_FOUND', new RegExp(ids.missing));
    await rejects(identityView(store, 'nope'), 'MUSTER_ERR_VALIDATION', /nope/);
  });

  it('loads identities as IdentityState, skipping unknown ids', async () => {
    const states = await loadIdentities(store, [ids.bot, ids.missing]);
    assert.deepEqual([...states.keys()], [ids.bot]);
    const bot = states.get(ids.bot);
    assert.equal(bot?.kind, 'bot');
    assert.equal(bot?.sponsorId, ids.ada);
    assert.deepEqual(bot?.flags, ['npe']);
    assert.deepEqual(bot?.attributes.full_name, { v: 'Build Bot', s: 'npe', r: 'npe-1', t: T });
    assert.equal(bot?.lastUpdated.toISOString(), T);
    assert.equal(bot?.version, 1);
    assert.equal((await loadIdentities(store, [])).size, 0);
  });

  it('finds identities by attribute value tuples', async () => {
    const found = await findByAttributes(
      store,
      ['department', 'email'],
      [
        ['Engineering', 'ada@agency.gov'],
        ['Finance', 'bob_x@agency.gov'],
        ['Finance', 'ada@agency.gov'],
      ],
    );
    assert.deepEqual(found.map((s) => s.id).sort(), [ids.ada, ids.bob]);
    assert.deepEqual(await findByAttributes(store, ['email'], []), []);
  });

  it('writes a new version of an identity, and refuses one written from a stale version', async () => {
    const later = new Date('2026-04-01T00:00:00.000Z');
    const cy = (await loadIdentities(store, [ids.cy])).get(ids.cy);
    assert.ok(cy);
    const next = { ...cy, status: 'archived' as const, expiresAt: '2026-12-31', flags: ['kept'], lastUpdated: later, version: cy.version + 1 };
    await updateIdentities(store, [next], later);
    const stored = (await loadIdentities(store, [ids.cy])).get(ids.cy);
    assert.deepEqual(
      { status: stored?.status, expiresAt: stored?.expiresAt, flags: stored?.flags, version: stored?.version, name: stored?.attributes.full_name?.v },
      { status: 'archived', expiresAt: '2026-12-31', flags: ['kept'], version: 2, name: 'Cy Twombly' },
    );
    await rejects(updateIdentities(store, [next], later), 'MUSTER_ERR_CONFLICT', /1 identities changed concurrently/);
  });
});
