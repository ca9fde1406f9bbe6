import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { generateSigningKeyPem, signerFromPem } from '../audit/checkpoint.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { AuditWriter } from '../audit/writer.ts';
import { ManualClock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { CONSOLE_LIMITS, ConsoleSessions, endConsoleSessionsOf, hashSecret } from './console-sessions.ts';
import { markRoleRevoked } from './role-repository.ts';
import { testOperator } from './test-operators.ts';

const MINUTE = 60_000;
const RECORD = { issuer: 'http://localhost/oidc', state: 's', nonce: 'n', codeVerifier: 'v', maxAge: 60, createdAt: 0 };

describeEachStore('console sessions', (factory) => {
  let store: Store;
  let sessions: ConsoleSessions;
  let officer: string;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const audit = new AuditWriter({ clock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: 100 });

  before(async () => {
    store = await factory.open();
    sessions = new ConsoleSessions({ store, audit, clock });
    officer = (await testOperator({ store, audit, clock }, ['security-officer', 'auditor'])).identityId;
  });
  after(() => store.close());

  async function signedIn(identityId = officer): Promise<{ secret: string; sessionId: string }> {
    const pending = await sessions.beginSignIn(RECORD);
    const opened = await sessions.open(pending, { identityId, authTime: clock.now(), acr: 'aal3-acr', idToken: 'id.token.here' }, randomUUID());
    if (!opened.ok) throw new Error(`not opened: ${opened.reason}`);
    return { secret: opened.secret, sessionId: opened.operator.sessionId };
  }

  it('keeps a started sign-in under a secret stored only as its hash, for ten minutes', async () => {
    const secret = await sessions.beginSignIn(RECORD);
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await sessions.pendingSignIn(secret), RECORD);
    const rows = await store.query<{ secret_hash: string }>('SELECT secret_hash FROM console_sessions');
    assert.ok(rows.some((r) => r.secret_hash === hashSecret(secret)));
    assert.ok(!JSON.stringify(rows).includes(secret));
    assert.equal(await sessions.pendingSignIn('x'.repeat(43)), undefined);
    assert.equal(await sessions.pendingSignIn(undefined), undefined);
    clock.advance(11 * MINUTE);
    assert.equal(await sessions.pendingSignIn(secret), undefined, 'too old');
  });

  it('opens a session under a new secret for an active operator, ends the sign-in, and audits it', async () => {
    const pending = await sessions.beginSignIn(RECORD);
    const opened = await sessions.open(pending, { identityId: officer, authTime: clock.now(), acr: 'aal3-acr', idToken: 'id.token.here' }, 'corr-open');
    assert.ok(opened.ok);
    assert.notEqual(opened.secret, pending);
    assert.deepEqual(opened.operator.roles, ['auditor', 'security-officer']);
    assert.equal(opened.operator.actor, `operator:${officer}`);
    assert.equal((await sessions.check(pending, 'c')).ok, false, 'the sign-in secret opens nothing');
    assert.equal(await sessions.pendingSignIn(pending), undefined, 'a sign-in is used once');
    const again = await sessions.open(pending, { identityId: officer, authTime: clock.now(), acr: 'a', idToken: 't' }, 'corr-again');
    assert.deepEqual(again, { ok: false, reason: 'unknown-sign-in' });
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-open' });
    assert.equal(entry?.action, 'console.session.started');
    assert.equal(entry?.actor, `operator:${officer}`);
    assert.equal(entry?.data?.session_id, opened.operator.sessionId);
    assert.ok(!JSON.stringify(entry).includes(opened.secret));
  });

  it('opens a self session for a person holding no role: no role in it, even one granted later', async () => {
    const holder = randomUUID();
    const now = clock.now();
    await store.db.insertInto('identities').values({ id: holder, kind: 'person', status: 'active', last_updated: now, created_at: now, updated_at: now }).execute();
    const pending = await sessions.beginSignIn(RECORD);
    const opened = await sessions.open(pending, { identityId: holder, authTime: clock.now(), acr: 'a', idToken: 't' }, 'corr-holder');
    assert.ok(opened.ok);
    assert.equal(opened.operator.kind, 'self');
    assert.deepEqual(opened.operator.roles, []);
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-holder' });
    assert.equal(entry?.action, 'console.session.started');
    assert.equal(entry?.data?.kind, 'self');
    await testOperator({ store, audit, clock }, ['helpdesk'], { identityId: holder });
    const checked = await sessions.check(opened.secret, 'c');
    assert.ok(checked.ok, 'a self session is not ended for holding no role');
    assert.equal(checked.operator.kind, 'self');
    assert.deepEqual(checked.operator.roles, [], 'a role granted later opens nothing in a self session: sign in again');
  });

  it('refuses an identity that is not a person and holds no role, audited', async () => {
    const device = randomUUID();
    const now = clock.now();
    await store.db.insertInto('identities').values({ id: device, kind: 'device', status: 'active', last_updated: now, created_at: now, updated_at: now }).execute();
    const pending = await sessions.beginSignIn(RECORD);
    const opened = await sessions.open(pending, { identityId: device, authTime: clock.now(), acr: 'a', idToken: 't' }, 'corr-nobody');
    assert.deepEqual(opened, { ok: false, reason: 'not-an-operator' });
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-nobody' });
    assert.equal(entry?.action, 'console.refused');
    assert.equal(entry?.target, device);
  });

  it("refuses a source's feed: only people with a fixed operator role use the console", async () => {
    const feed = (await testOperator({ store, audit, clock }, ['source-feed:hr'])).identityId;
    const pending = await sessions.beginSignIn(RECORD);
    assert.deepEqual(await sessions.open(pending, { identityId: feed, authTime: clock.now(), acr: 'a', idToken: 't' }, 'corr-feed'), { ok: false, reason: 'not-an-operator' });
  });

  it('lets a live session on and re-reads the roles each time: a role revoked takes effect at once', async () => {
    const { secret } = await signedIn();
    const first = await sessions.check(secret, 'c');
    assert.ok(first.ok);
    assert.deepEqual(first.operator.roles, ['auditor', 'security-officer']);
    await markRoleRevoked(store, officer, 'auditor', 'test', 'no longer audits', clock.now());
    const second = await sessions.check(secret, 'c');
    assert.ok(second.ok);
    assert.deepEqual(second.operator.roles, ['security-officer']);
  });

  it('ends a session past 15 minutes of inactivity, and counts activity', async () => {
    const { secret, sessionId } = await signedIn();
    clock.advance(14 * MINUTE);
    assert.equal((await sessions.check(secret, 'c')).ok, true);
    clock.advance(14 * MINUTE);
    assert.equal((await sessions.check(secret, 'c')).ok, true, 'active within the limit: still live');
    clock.advance(CONSOLE_LIMITS.idleMs);
    assert.deepEqual(await sessions.check(secret, 'corr-idle'), { ok: false, reason: 'idle' });
    assert.deepEqual(await sessions.check(secret, 'c'), { ok: false, reason: 'ended' });
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-idle' });
    assert.equal(entry?.action, 'console.session.ended');
    assert.equal(entry?.target, `console-session:${sessionId}`);
    assert.match(entry?.reason ?? '', /inactivity/);
  });

  it('ends a session 12 hours after the authentication, however active', async () => {
    const { secret } = await signedIn();
    for (let i = 0; i < 12 * 6 - 1; i++) {
      clock.advance(10 * MINUTE);
      assert.equal((await sessions.check(secret, 'c')).ok, true, `after ${(i + 1) * 10} minutes`);
    }
    clock.advance(10 * MINUTE);
    assert.deepEqual(await sessions.check(secret, 'c'), { ok: false, reason: 'overall' });
  });

  it('ends the sessions of an operator who stopped being active or holds no role any more', async () => {
    const other = (await testOperator({ store, audit, clock }, ['helpdesk'])).identityId;
    const { secret } = await signedIn(other);
    await store.query(`UPDATE identities SET status = 'suspended' WHERE id = $1`, [other]);
    assert.deepEqual(await sessions.check(secret, 'c'), { ok: false, reason: 'inactive' });
    const third = (await testOperator({ store, audit, clock }, ['helpdesk'])).identityId;
    const thirds = await signedIn(third);
    await markRoleRevoked(store, third, 'helpdesk', 'test', 'moved on', clock.now());
    assert.deepEqual(await sessions.check(thirds.secret, 'c'), { ok: false, reason: 'no-role' });
  });

  it('signs out once: the second time records nothing', async () => {
    const { secret, sessionId } = await signedIn();
    assert.equal(await sessions.end(sessionId, `operator:${officer}`, 'signed out', 'corr-out'), true);
    assert.equal(await sessions.end(sessionId, `operator:${officer}`, 'signed out', 'corr-out-2'), false);
    assert.deepEqual(await sessions.check(secret, 'c'), { ok: false, reason: 'ended' });
    assert.equal((await listAuditEntries(store, { correlationId: 'corr-out-2' })).length, 0);
  });

  it('ends every live session of an identity for the lifecycle (a leaver, hold or suspension), one entry each', async () => {
    const a = await signedIn();
    const b = await signedIn();
    const ended = await store.transaction((tx) => endConsoleSessionsOf(tx, audit, officer, { actor: 'muster:lifecycle', reason: 'leaver', at: clock.now() }, 'corr-leaver'));
    assert.ok(ended >= 2);
    for (const s of [a, b]) assert.deepEqual(await sessions.check(s.secret, 'c'), { ok: false, reason: 'ended' });
    const entries = await listAuditEntries(store, { correlationId: 'corr-leaver' });
    assert.equal(entries.length, ended);
    assert.ok(entries.every((e) => e.action === 'console.session.ended' && e.actor === 'muster:lifecycle' && e.data?.identity_id === officer));
    const again = await store.transaction((tx) => endConsoleSessionsOf(tx, audit, officer, { actor: 'muster:lifecycle', reason: 'leaver', at: clock.now() }, 'corr-leaver-2'));
    assert.equal(again, 0);
  });

  it('purges sign-ins past their wait, and sessions ended longer ago than the overall limit', async () => {
    const live = await signedIn();
    await sessions.beginSignIn(RECORD);
    const { sessionId } = await signedIn();
    await sessions.end(sessionId, 'muster', 'test', 'c');
    clock.advance(11 * MINUTE);
    assert.ok((await sessions.purge()) > 0);
    const pending = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions WHERE identity_id IS NULL');
    assert.equal(pending[0]?.n, 0, 'sign-ins past their wait are gone');
    assert.equal((await store.query('SELECT 1 FROM console_sessions WHERE id = $1', [sessionId])).length, 1, 'an ended session stays for the overall limit');
    await sessions.check(live.secret, 'c');
    clock.advance(CONSOLE_LIMITS.overallMs + MINUTE);
    assert.ok((await sessions.purge()) > 0);
    const left = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions WHERE ended_at IS NOT NULL OR identity_id IS NULL');
    assert.equal(left[0]?.n, 0);
  });
});
