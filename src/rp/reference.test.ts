// End to end: a bare oidc-provider as the PIV IdP, the reference RP built on muster/rp, and a
// browser made of fetch. Sign-in runs the authorization code flow with private_key_jwt and PKCE.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { SIGNAL_EVENTS } from './profile.ts';
import { createReferenceRp, type ReferenceRp } from './reference/app.ts';
import { TestBrowser } from './test-browser.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { clientKeys, clientMetadata, OTHER_AGENCY, pivClaims, testAgreements } from './test-fixtures.ts';

const CLIENT_ID = 'reference-rp';
let idp: TestIdp;
let rp: ReferenceRp;
let rpUrl: string;

before(async () => {
  idp = await startTestIdp();
  const keys = await clientKeys();
  rp = createReferenceRp({ issuer: idp.issuer, clientId: CLIENT_ID, privateJwk: keys.privateJwk, agreements: testAgreements(idp.issuer), allowInsecureHttp: true, log: () => {} });
  rpUrl = (await rp.listen()).url;
  idp.register([clientMetadata(CLIENT_ID, `${rpUrl}/callback`, keys)]);
});

after(async () => {
  await rp.close();
  await idp.close();
});

function person(sub: string, claims: Record<string, unknown> = {}, userinfo: Record<string, unknown> = { name: `Subscriber ${sub}`, email: `${sub}@agency.example` }) {
  idp.people.set(sub, { idToken: pivClaims(claims), userinfo });
}

/** A fresh browser (no IdP session) signs in as `sub` and ends on the RP. */
async function signIn(sub: string, browser = new TestBrowser()) {
  idp.nextLogin = { accountId: sub };
  const page = await browser.open(`${rpUrl}/login`);
  return { browser, page };
}

function codeOf(body: string): string | undefined {
  return /<code id="code">([A-Z_]+)<\/code>/.exec(body)?.[1];
}

async function accountOf(sub: string) {
  return (await rp.accounts.list()).find((a) => a.identifiers.some((i) => i.sub === sub) || a.pendingIdentifier?.sub === sub || a.retiredIdentifiers.some((i) => i.sub === sub));
}

function set(event: string, sub: string, payload: Record<string, unknown> = {}): JWTPayload {
  return { iss: idp.issuer, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), sub_id: { format: 'iss_sub', iss: idp.issuer, sub }, events: { [event]: payload } };
}

async function pushSet(payload: JWTPayload) {
  return fetch(`${rpUrl}/signals`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: await idp.signSet(payload) });
}

test('the authorization request carries PKCE S256, state, nonce, max_age and acr_values from the agreements', async () => {
  const first = await new TestBrowser().send(`${rpUrl}/login`, { method: 'GET' });
  assert.equal(first.status, 302);
  const url = new URL(first.location ?? '');
  assert.equal(url.origin, idp.issuer);
  assert.equal(url.searchParams.get('response_type'), 'code');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((url.searchParams.get('code_challenge') ?? '').length >= 43);
  assert.ok((url.searchParams.get('state') ?? '').length >= 22);
  assert.ok((url.searchParams.get('nonce') ?? '').length >= 22);
  assert.equal(url.searchParams.get('max_age'), '3600');
  assert.match(url.searchParams.get('acr_values') ?? '', /aal\/3\?hspd12=true .*aal\/2\?hspd12=true/);
  assert.equal(url.searchParams.get('scope'), 'openid profile email');
});

test('a subscriber signs in end to end (private_key_jwt, PKCE) and gets a just-in-time account and an RP session', async () => {
  person('alice');
  const { browser, page } = await signIn('alice');
  assert.equal(page.status, 200);
  assert.match(page.body, /<code id="sub">alice<\/code>/);
  assert.match(page.body, /Subscriber alice/);
  const account = await accountOf('alice');
  assert.equal(account?.state, 'active');
  assert.deepEqual(account?.identifiers, [{ iss: idp.issuer, sub: 'alice' }]);
  assert.equal(rp.sessions.forAccount(account?.id ?? '').length, 1);
  const signedOut = await browser.send(`${rpUrl}/logout`, { method: 'POST' });
  assert.equal(signedOut.status, 303);
  assert.match((await browser.open(rpUrl)).body, /not signed in/);
  assert.equal(rp.sessions.forAccount(account?.id ?? '').length, 0);
});

test('an assertion from an IdP that is not the PIV IdP for the claimed home agency is refused', async () => {
  person('mallory', { piv_home_agency: OTHER_AGENCY });
  const { page } = await signIn('mallory');
  assert.equal(page.status, 403);
  assert.equal(codeOf(page.body), 'RP_ERR_WRONG_IDP');
  assert.equal(await accountOf('mallory'), undefined);
});

test('an assertion missing a required element is refused, naming it', async () => {
  idp.people.set('bob', { idToken: Object.fromEntries(Object.entries(pivClaims()).filter(([k]) => k !== 'piv_credential_type')), userinfo: {} });
  const { page } = await signIn('bob');
  assert.equal(page.status, 401);
  assert.equal(codeOf(page.body), 'RP_ERR_MISSING_CLAIM');
  assert.match(page.body, /piv_credential_type/);
  assert.equal(await accountOf('bob'), undefined);
});

test('a pushed account-disabled SET disables the account and ends its session; sign-in is then refused', async () => {
  person('dave');
  const { browser } = await signIn('dave');
  const account = await accountOf('dave');
  assert.equal(rp.sessions.forAccount(account?.id ?? '').length, 1);
  const answer = await pushSet(set(SIGNAL_EVENTS['account-disabled'], 'dave'));
  assert.equal(answer.status, 202);
  assert.equal((await accountOf('dave'))?.state, 'disabled');
  assert.equal(rp.sessions.forAccount(account?.id ?? '').length, 0);
  assert.match((await browser.open(rpUrl)).body, /not signed in/);
  const again = await signIn('dave');
  assert.equal(codeOf(again.page.body), 'RP_ERR_ACCOUNT_DISABLED');
  const refused = await fetch(`${rpUrl}/signals`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: 'garbage' });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { err: string }).err, 'invalid_request');
});

test('the federated identifier change procedure, end to end', async () => {
  person('carol-old');
  const { browser } = await signIn('carol-old');
  const account = await accountOf('carol-old');
  const change = set(SIGNAL_EVENTS['federated-identifier-changed'], 'carol-old', { new_sub_id: { format: 'iss_sub', iss: idp.issuer, sub: 'carol-new' } });
  assert.equal((await pushSet(change)).status, 202);
  assert.equal((await rp.accounts.get(account?.id ?? ''))?.state, 'inactive-pending-identifier-change');
  assert.match((await browser.open(rpUrl)).body, /not signed in/, 'the session ended');
  const old = await signIn('carol-old');
  assert.equal(codeOf(old.page.body), 'RP_ERR_IDENTIFIER_INACTIVE', 'the old identifier is refused');
  person('carol-new');
  const fresh = await signIn('carol-new');
  assert.match(fresh.page.body, /<code id="sub">carol-new<\/code>/);
  assert.match(fresh.page.body, new RegExp(`<code id="account">${account?.id}</code>`), 'the same account, reactivated');
  const after = await rp.accounts.get(account?.id ?? '');
  assert.equal(after?.state, 'active');
  assert.deepEqual(after?.retiredIdentifiers, [{ iss: idp.issuer, sub: 'carol-old' }]);
  assert.deepEqual(
    rp.recorder.notices.filter((n) => n.accountId === account?.id).map((n) => `${n.kind} ${n.identifier.sub}`),
    ['identifier-unbound carol-old', 'identifier-bound carol-new'],
  );
  assert.equal(codeOf((await signIn('carol-old')).page.body), 'RP_ERR_IDENTIFIER_INACTIVE', 'still refused after the change completed');
});

test('attributes are refreshed from UserInfo only when updated_at is newer than the cached one', async () => {
  const updatedAt = Math.floor(Date.now() / 1000) - 7200;
  person('erin', { updated_at: updatedAt }, { name: 'Erin Old' });
  const before = idp.counters.userinfo;
  await signIn('erin');
  assert.equal(idp.counters.userinfo, before + 1);
  idp.people.set('erin', { idToken: pivClaims({ updated_at: updatedAt }), userinfo: { name: 'Erin Changed Silently' } });
  const same = await signIn('erin');
  assert.equal(idp.counters.userinfo, before + 1, 'same updated_at: no UserInfo call');
  assert.match(same.page.body, /Erin Old/);
  idp.people.set('erin', { idToken: pivClaims({ updated_at: updatedAt + 60 }), userinfo: { name: 'Erin New' } });
  const newer = await signIn('erin');
  assert.equal(idp.counters.userinfo, before + 2);
  assert.match(newer.page.body, /Erin New/);
});

test('a callback without a sign-in started in this browser is refused', async () => {
  const page = await new TestBrowser().open(`${rpUrl}/callback?code=x&state=y`);
  assert.equal(page.status, 400);
  assert.equal(codeOf(page.body), 'RP_ERR_STATE');
});
