import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { MemoryAccountStore } from './accounts.ts';
import { checkAssertion } from './assertion.ts';
import { MemoryRecorder } from './notices.ts';
import { pollSignals } from './poll.ts';
import { SIGNAL_EVENTS, SSF_VERIFICATION_EVENT } from './profile.ts';
import { resolveAccount, type AccountServices } from './provisioning.ts';
import { MemorySessionStore } from './sessions.ts';
import { createSignalReceiver, type SignalReceiver } from './signals.ts';
import { ssfConfigurationUrl } from './set-verify.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { pivClaims, testAgreements } from './test-fixtures.ts';

const CLIENT_ID = 'rp-signals';
let idp: TestIdp;

before(async () => {
  idp = await startTestIdp();
});
after(() => idp.close());

function setup(authorization?: string) {
  const recorder = new MemoryRecorder();
  const services: AccountServices & { accounts: MemoryAccountStore; sessions: MemorySessionStore } = {
    accounts: new MemoryAccountStore(),
    sessions: new MemorySessionStore(),
    notifier: recorder,
    log: recorder,
  };
  const agreements = testAgreements(idp.issuer);
  const receiver = createSignalReceiver({ issuer: idp.issuer, audience: CLIENT_ID, agreements, services, allowInsecureHttp: true, ...(authorization ? { authorization } : {}) });
  const signIn = async (sub: string) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = checkAssertion({ iss: idp.issuer, sub, auth_time: now, ...pivClaims({}, now) }, { agreements, now });
    const account = await resolveAccount(services, assertion, async () => ({ name: 'Pat Doe' }));
    await services.sessions.create({ accountId: account.id, identifier: assertion.identifier, authTime: now });
    return account;
  };
  return { services, receiver, recorder, signIn };
}

function set(event: string, sub: string, extra: JWTPayload = {}, payload: Record<string, unknown> = {}): JWTPayload {
  return { iss: idp.issuer, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), sub_id: { format: 'iss_sub', iss: idp.issuer, sub }, events: { [event]: payload }, ...extra };
}

function push(receiver: SignalReceiver, body: string, contentType = 'application/secevent+jwt', authorization?: string) {
  return receiver.receive({ body, contentType, authorization });
}

test('the SSF configuration sits between host and path', () => {
  assert.equal(ssfConfigurationUrl('https://idp.example').href, 'https://idp.example/.well-known/ssf-configuration');
  assert.equal(ssfConfigurationUrl('https://idp.example/tenant/a').href, 'https://idp.example/.well-known/ssf-configuration/tenant/a');
});

test('a pushed account-disabled SET is accepted (202), disables the account and ends its sessions', async () => {
  const { services, receiver, signIn } = setup();
  const account = await signIn('s-1');
  const answer = await push(receiver, await idp.signSet(set(SIGNAL_EVENTS['account-disabled'], 's-1')));
  assert.deepEqual(answer, { status: 202 });
  assert.equal((await services.accounts.get(account.id))?.state, 'disabled');
  assert.equal(services.sessions.forAccount(account.id).length, 0);
});

test('refusals carry the RFC 8935 error codes', async () => {
  const { receiver, signIn } = setup();
  await signIn('s-2');
  const event = SIGNAL_EVENTS['session-revoked'];
  const foreignKey = await generateKeyPair('RS256');
  const forged = await new SignJWT(set(event, 's-2')).setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: 'ssf-1' }).sign(foreignKey.privateKey);
  const cases: [string, Promise<string> | string, string?][] = [
    ['invalid_request', idp.signSet(set(event, 's-2'), { typ: 'JWT' })],
    ['invalid_issuer', idp.signSet(set(event, 's-2', { iss: 'https://someone-else.example' }))],
    ['invalid_audience', idp.signSet(set(event, 's-2', { aud: 'another-rp' }))],
    ['invalid_request', idp.signSet(set(event, 's-2', { sub: 's-2' }))],
    ['invalid_request', idp.signSet(set(event, 's-2', { exp: Math.floor(Date.now() / 1000) + 60 }))],
    ['invalid_request', idp.signSet({ ...set(event, 's-2'), events: {} })],
    ['invalid_key', forged],
    ['invalid_request', 'not.a.jwt'],
    ['invalid_request', idp.signSet(set(event, 's-2')), 'application/json'],
    ['access_denied', idp.signSet({ ...set(event, 's-2'), sub_id: { format: 'iss_sub', iss: 'https://someone-else.example', sub: 's-2' } })],
  ];
  for (const [err, body, contentType] of cases) {
    const answer = await push(receiver, await body, contentType);
    assert.equal(answer.status, 400, err);
    assert.equal(answer.body?.err, err, `${err}: ${answer.body?.description}`);
  }
});

test('a push without the agreed Authorization header is refused', async () => {
  const { receiver } = setup('Bearer push-secret');
  const body = await idp.signSet(set(SSF_VERIFICATION_EVENT, 'x'));
  assert.equal((await push(receiver, body, undefined, 'Bearer wrong')).body?.err, 'authentication_failed');
  assert.equal((await push(receiver, body, undefined, 'Bearer push-secret')).status, 202);
});

test('a replayed jti is refused', async () => {
  const { receiver, signIn } = setup();
  await signIn('s-3');
  const body = await idp.signSet(set(SIGNAL_EVENTS['session-revoked'], 's-3'));
  assert.equal((await push(receiver, body)).status, 202);
  const again = await push(receiver, body);
  assert.equal(again.status, 400);
  assert.match(again.body?.description ?? '', /already received/);
});

test('a complex subject whose user is iss_sub reaches the account; session-revoked ends its sessions', async () => {
  const { services, receiver, signIn } = setup();
  const account = await signIn('s-4');
  const subject = { format: 'complex', user: { format: 'iss_sub', iss: idp.issuer, sub: 's-4' }, session: { format: 'opaque', id: 'sid-1' } };
  assert.equal((await push(receiver, await idp.signSet({ ...set(SIGNAL_EVENTS['session-revoked'], 's-4'), sub_id: subject }))).status, 202);
  assert.equal(services.sessions.forAccount(account.id).length, 0);
  assert.equal((await services.accounts.get(account.id))?.state, 'active');
});

test('federated-identifier-changed starts the change procedure; account-purged deletes the account and keeps the identifier in the log', async () => {
  const { services, receiver, recorder, signIn } = setup();
  const account = await signIn('s-5');
  const change = set(SIGNAL_EVENTS['federated-identifier-changed'], 's-5', {}, { new_sub_id: { format: 'iss_sub', iss: idp.issuer, sub: 's-5-new' } });
  assert.equal((await push(receiver, await idp.signSet(change))).status, 202);
  const changed = await services.accounts.get(account.id);
  assert.equal(changed?.state, 'inactive-pending-identifier-change');
  assert.deepEqual(changed?.pendingIdentifier, { iss: idp.issuer, sub: 's-5-new' });
  assert.equal(recorder.notices.at(-1)?.kind, 'identifier-unbound');
  const malformed = set(SIGNAL_EVENTS['federated-identifier-changed'], 's-6', {}, { new_sub_id: { format: 'email', email: 'x@y.example' } });
  await signIn('s-6');
  assert.equal((await push(receiver, await idp.signSet(malformed))).body?.err, 'invalid_request');
  const other = await signIn('s-7');
  assert.equal((await push(receiver, await idp.signSet(set(SIGNAL_EVENTS['account-purged'], 's-7')))).status, 202);
  assert.equal(await services.accounts.get(other.id), undefined);
  assert.ok(recorder.entries.some((e) => e.event === 'account-deleted' && e.identifier?.sub === 's-7'));
});

test('a signal the agreement does not list is accepted and only recorded', async () => {
  const { services, receiver, recorder, signIn } = setup();
  const account = await signIn('s-8');
  assert.equal((await push(receiver, await idp.signSet(set(SIGNAL_EVENTS['identifier-changed'], 's-8')))).status, 202);
  assert.equal(services.sessions.forAccount(account.id).length, 1);
  assert.equal(recorder.entries.at(-1)?.event, 'signal-not-agreed');
});

test('poll delivery (RFC 8936): SETs are processed, acknowledged, and refusals reported as setErrs', async () => {
  const { services, receiver, signIn } = setup();
  const account = await signIn('p-1');
  const good = set(SIGNAL_EVENTS['account-disabled'], 'p-1');
  const replayless = set(SIGNAL_EVENTS['session-revoked'], 'p-1');
  const bad = set(SIGNAL_EVENTS['session-revoked'], 'p-1', { aud: 'another-rp' });
  idp.queueSet(good.jti as string, await idp.signSet(good));
  idp.queueSet(replayless.jti as string, await idp.signSet(replayless));
  idp.queueSet(bad.jti as string, await idp.signSet(bad));
  const result = await pollSignals(receiver, { endpoint: `${idp.issuer}/ssf/poll`, token: idp.pollToken, maxEvents: 2 });
  assert.deepEqual(result, { accepted: 2, refused: 1 });
  assert.deepEqual(idp.polled.ack.sort(), [good.jti, replayless.jti].sort());
  assert.equal((idp.polled.setErrs[bad.jti as string] as { err: string }).err, 'invalid_audience');
  assert.equal((await services.accounts.get(account.id))?.state, 'disabled');
  await assert.rejects(pollSignals(receiver, { endpoint: `${idp.issuer}/ssf/poll`, token: 'wrong' }), /HTTP 401/);
});
