import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAction } from './account-actions.ts';
import { MemoryAccountStore } from './accounts.ts';
import { checkAssertion, type VerifiedAssertion } from './assertion.ts';
import { isRpError } from './errors.ts';
import { MemoryRecorder } from './notices.ts';
import { resolveAccount, type AccountServices } from './provisioning.ts';
import { MemorySessionStore } from './sessions.ts';
import { pivClaims, testAgreements } from './test-fixtures.ts';

const ISSUER = 'https://piv-idp.agency.example';
const NOW = 1_900_000_000;
const agreements = testAgreements(ISSUER);

function services(): AccountServices & { accounts: MemoryAccountStore; sessions: MemorySessionStore; recorder: MemoryRecorder } {
  const recorder = new MemoryRecorder();
  return { accounts: new MemoryAccountStore(), sessions: new MemorySessionStore(), notifier: recorder, log: recorder, recorder };
}

function assertion(sub: string, claims: Record<string, unknown> = {}): VerifiedAssertion {
  return checkAssertion({ iss: ISSUER, sub, auth_time: NOW - 10, ...pivClaims({}, NOW), ...claims }, { agreements, now: NOW });
}

function userinfo(values: Record<string, unknown>) {
  const calls = { count: 0 };
  return { calls, read: async () => (calls.count++, { ...values }) };
}

test('first sign-in provisions an account just in time, keyed on iss + sub alone, caching only the agreed attributes', async () => {
  const s = services();
  const info = userinfo({ sub: 'a', name: 'Pat Doe', email: 'pat@agency.example', phone_number: '+1 555 0100' });
  const account = await resolveAccount(s, assertion('a'), info.read);
  assert.equal(account.state, 'active');
  assert.deepEqual(account.identifiers, [{ iss: ISSUER, sub: 'a' }]);
  assert.deepEqual(account.attributes, { name: 'Pat Doe', email: 'pat@agency.example' });
  assert.equal((await resolveAccount(s, assertion('a'), info.read)).id, account.id, 'the same identifier finds the same account');
  const sameEmail = await resolveAccount(s, assertion('b'), userinfo({ sub: 'b', name: 'Pat Doe', email: 'pat@agency.example' }).read);
  assert.notEqual(sameEmail.id, account.id, 'never matched on email or name');
});

test('UserInfo is read only when updated_at is newer than the cached attributes', async () => {
  const s = services();
  const info = userinfo({ name: 'Pat Doe' });
  await resolveAccount(s, assertion('a', { updated_at: NOW - 500 }), info.read);
  await resolveAccount(s, assertion('a', { updated_at: NOW - 500 }), info.read);
  await resolveAccount(s, assertion('a', { updated_at: NOW - 900 }), info.read);
  assert.equal(info.calls.count, 1);
  const renamed = userinfo({ name: 'Pat Roe' });
  const account = await resolveAccount(s, assertion('a', { updated_at: NOW - 100 }), renamed.read);
  assert.equal(renamed.calls.count, 1);
  assert.equal(account.attributes.name, 'Pat Roe');
  assert.equal(account.attributesUpdatedAt, NOW - 100);
});

test('the identifier change procedure: inactive until the new identifier signs in; the old one refused; recorded; the subscriber told', async () => {
  const s = services();
  const info = userinfo({ name: 'Pat Doe' });
  const account = await resolveAccount(s, assertion('old'), info.read);
  await s.sessions.create({ accountId: account.id, identifier: { iss: ISSUER, sub: 'old' }, authTime: NOW });
  await applyAction(s, 'change-identifier', account, { reason: 'test', subject: { iss: ISSUER, sub: 'old' }, newIdentifier: { iss: ISSUER, sub: 'new' } });
  const changed = await s.accounts.get(account.id);
  assert.equal(changed?.state, 'inactive-pending-identifier-change');
  assert.equal(s.sessions.forAccount(account.id).length, 0);
  await assert.rejects(resolveAccount(s, assertion('old'), info.read), (e) => isRpError(e, 'RP_ERR_IDENTIFIER_INACTIVE'));
  const rebound = await resolveAccount(s, assertion('new'), info.read);
  assert.equal(rebound.id, account.id);
  assert.equal(rebound.state, 'active');
  assert.deepEqual(rebound.identifiers, [{ iss: ISSUER, sub: 'new' }]);
  await assert.rejects(resolveAccount(s, assertion('old'), info.read), (e) => isRpError(e, 'RP_ERR_IDENTIFIER_INACTIVE'), 'refused from then on');
  assert.deepEqual(
    rebound.changes.map((c) => c.kind).filter((k) => k.startsWith('identifier')),
    ['identifier-unbound', 'identifier-bound'],
  );
  assert.deepEqual(
    s.recorder.notices.map((n) => [n.kind, n.identifier.sub]),
    [
      ['identifier-unbound', 'old'],
      ['identifier-bound', 'new'],
    ],
  );
});

test('an identifier change onto an identifier another account holds is only marked for review', async () => {
  const s = services();
  const info = userinfo({});
  const a = await resolveAccount(s, assertion('a'), info.read);
  await resolveAccount(s, assertion('b'), info.read);
  await applyAction(s, 'change-identifier', a, { reason: 'test', subject: { iss: ISSUER, sub: 'a' }, newIdentifier: { iss: ISSUER, sub: 'b' } });
  const after = await s.accounts.get(a.id);
  assert.equal(after?.state, 'active');
  assert.equal(after?.changes.at(-1)?.kind, 'review');
});

test('disable ends the sessions and refuses sign-in; enable restores; delete keeps only the identifier in the log', async () => {
  const s = services();
  const info = userinfo({ name: 'Pat Doe' });
  const account = await resolveAccount(s, assertion('a'), info.read);
  await s.sessions.create({ accountId: account.id, identifier: account.identifiers[0]!, authTime: NOW });
  await applyAction(s, 'disable-account', account, { reason: 'test', subject: account.identifiers[0]! });
  assert.equal(s.sessions.forAccount(account.id).length, 0);
  await assert.rejects(resolveAccount(s, assertion('a'), info.read), (e) => isRpError(e, 'RP_ERR_ACCOUNT_DISABLED'));
  await applyAction(s, 'enable-account', (await s.accounts.get(account.id))!, { reason: 'test', subject: account.identifiers[0]! });
  assert.equal((await resolveAccount(s, assertion('a'), info.read)).state, 'active');
  await applyAction(s, 'delete-account', (await s.accounts.get(account.id))!, { reason: 'purged', subject: account.identifiers[0]! });
  assert.equal(await s.accounts.get(account.id), undefined);
  const kept = s.recorder.entries.find((e) => e.event === 'account-deleted');
  assert.deepEqual(kept?.identifier, { iss: ISSUER, sub: 'a' });
  assert.equal(JSON.stringify(s.recorder.entries).includes('Pat Doe'), false, 'no attribute survives in the log');
});

test('refresh-attributes makes the next sign-in read UserInfo even with the same updated_at', async () => {
  const s = services();
  const info = userinfo({ name: 'Pat Doe' });
  const account = await resolveAccount(s, assertion('a'), info.read);
  await applyAction(s, 'refresh-attributes', account, { reason: 'test', subject: account.identifiers[0]! });
  await resolveAccount(s, assertion('a'), info.read);
  assert.equal(info.calls.count, 2);
});

test('RP sessions live by the RP policy, not the assertion', async () => {
  let now = 0;
  const sessions = new MemorySessionStore({ lifetimeSeconds: 60, now: () => now });
  const session = await sessions.create({ accountId: 'x', identifier: { iss: ISSUER, sub: 'a' }, authTime: 0 });
  now = 59_000;
  assert.ok(await sessions.get(session.id));
  now = 60_000;
  assert.equal(await sessions.get(session.id), undefined);
});
