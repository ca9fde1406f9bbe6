// The WebAuthn half of a Derived PIV credential, run in Debian's Chromium under a CDP virtual authenticator.
//
// What Chromium 156's virtual authenticator (ctap2, attestation 'direct') produces, found by running it:
// - fmt 'packed' with a full attestation statement { alg: -7, sig, x5c: [one certificate] };
// - AAGUID 01020304-0506-0708-0102-030405060708, flags UP+UV+AT, BE/BS as configured, sign count 1;
// - the x5c certificate is self-signed (issuer = subject = C=US, O=Chromium, OU=Authenticator Attestation,
//   CN=Batch Certificate), serial 1, ECDSA P-256, valid 2017-07-14 to 2046-11-18, basicConstraints CA:FALSE,
//   the FIDO U2F transports extension and no id-fido-gen-ce-aaguid extension;
// - the certificate is re-signed for every registration: same name and key (fixed across runs and
//   browser launches), a fresh ECDSA signature, so its DER differs each time.
// There is no root above it, so "its root" is the certificate itself: configured as an anchor (a name and
// a key), it covers every re-issue. Without it the attestation is untrusted: AAL2, or refused when the
// policy requires trusted attestation.
// An authenticator whose isUserVerified is false is refused by Chromium itself whenever UV is asked for
// (NotAllowedError); to get a UV-less response to the server, the page below can weaken the options to
// 'discouraged' — a client that ignores the RP's requirement — with an authenticator without UV.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { isMusterError } from '../../src/core/errors.ts';
import {
  authenticationOptions,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type WebAuthnBinding,
  type WebAuthnPolicy,
} from '../../src/credentials/derived/webauthn/index.ts';
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers';
import { addVirtualAuthenticator, chromiumSkip, launchChromium, type VirtualAuthenticator, type VirtualAuthenticatorOptions } from '../support/chromium.ts';

const CHROMIUM_AAGUID = '01020304-0506-0708-0102-030405060708';
const USER = { identityId: 'a3c1e2f0-6b5d-4f7e-9a2b-1c0d9e8f7a6b', name: 'jane.doe@agency.gov', displayName: 'Jane Doe' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>muster derived PIV</title><script>
async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: response.status, body: await response.json() };
}
async function ceremony(kind, weaken, exclude) {
  const { body: options } = await post('/' + kind + '/options', { exclude });
  if (weaken) (options.authenticatorSelection ?? options).userVerification = 'discouraged';
  try {
    const credential = kind === 'register'
      ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
      : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    return await post('/' + kind + '/verify', credential.toJSON());
  } catch (error) {
    return { status: 0, body: { browserError: error.name } };
  }
}
</script>`;

/** What the relying party side keeps between calls, as the credential service would. */
interface RelyingParty {
  policy: WebAuthnPolicy;
  challenge?: string;
  binding?: WebAuthnBinding;
  lastRegistration?: RegistrationResponseJSON;
  lastLogin?: AuthenticationResponseJSON;
}

let server: Server;
let browser: Browser;
let page: Page;
let authenticator: VirtualAuthenticator;
let origin = '';
const rp: RelyingParty = { policy: policyWith({}) };

function policyWith(overrides: Partial<WebAuthnPolicy>): WebAuthnPolicy {
  return { rpId: 'localhost', rpName: 'Demo Agency', origins: [origin], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [], ...overrides };
}

function issueChallenge(): string {
  rp.challenge = randomBytes(32).toString('base64url');
  return rp.challenge;
}

/** The challenge is single-use: taken before verifying, whatever the outcome. */
function takeChallenge(): string {
  const challenge = rp.challenge ?? '';
  rp.challenge = undefined;
  return challenge;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

async function route(path: string, body: unknown): Promise<unknown> {
  switch (path) {
    case '/register/options':
      return registrationOptions(rp.policy, USER, issueChallenge(), (body as { exclude?: string[] }).exclude ?? []);
    case '/register/verify': {
      rp.lastRegistration = body as RegistrationResponseJSON;
      rp.binding = await verifyRegistration(rp.policy, rp.lastRegistration, takeChallenge());
      return { ...rp.binding, publicKey: isoBase64URL.fromBuffer(new Uint8Array(rp.binding.publicKey)) };
    }
    case '/login/options':
      return authenticationOptions(rp.policy, issueChallenge(), rp.binding ? [{ credentialId: rp.binding.credentialId, transports: rp.binding.transports }] : []);
    case '/login/verify': {
      if (!rp.binding) throw new Error('nothing is bound');
      rp.lastLogin = body as AuthenticationResponseJSON;
      const result = await verifyAuthentication(rp.policy, rp.lastLogin, takeChallenge(), rp.binding);
      rp.binding = { ...rp.binding, counter: result.newCounter };
      return result;
    }
    default:
      return undefined;
  }
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method === 'GET' && request.url === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    return;
  }
  try {
    const result = await route(request.url ?? '', await readJson(request));
    const status = result === undefined ? 404 : 200;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? {}));
  } catch (error) {
    const status = isMusterError(error) ? error.status : 500;
    const body = isMusterError(error) ? error.toJSON() : { message: String(error) };
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

function listen(): Promise<number> {
  server = createServer((request, response) => void handle(request, response));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

interface Outcome {
  status: number;
  body: Record<string, unknown> & { code?: string; details?: { field: string }[]; browserError?: string };
}

function ceremony(kind: 'register' | 'login', weaken = false, exclude: string[] = []): Promise<Outcome> {
  return page.evaluate(([k, w, e]) => (globalThis as unknown as { ceremony(...a: unknown[]): Promise<Outcome> }).ceremony(k, w, e), [kind, weaken, exclude] as const);
}

async function useAuthenticator(options: VirtualAuthenticatorOptions = {}): Promise<void> {
  await authenticator.remove();
  authenticator = await addVirtualAuthenticator(page, options);
}

function batchCertificatePem(response: RegistrationResponseJSON): string {
  const x5c = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject)).get('attStmt').get('x5c') ?? [];
  assert.equal(x5c.length, 1, 'the virtual authenticator sends one attestation certificate');
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(x5c[0] as Uint8Array).toString('base64')}\n-----END CERTIFICATE-----\n`;
}

function clientChallenge(clientDataJSON: string): string {
  return (JSON.parse(isoBase64URL.toUTF8String(clientDataJSON)) as { challenge: string }).challenge;
}

function assertRefused(outcome: Outcome, field: string): void {
  assert.equal(outcome.status, 422, JSON.stringify(outcome.body));
  assert.equal(outcome.body.code, 'MUSTER_ERR_DERIVED_BINDING');
  assert.equal(outcome.body.details?.[0]?.field, field, JSON.stringify(outcome.body));
}

async function rejects(promise: Promise<unknown>, field: string): Promise<void> {
  await assert.rejects(promise, (error) => isMusterError(error, 'MUSTER_ERR_DERIVED_BINDING') && error.details[0]?.field === field);
}

describe('WebAuthn Derived PIV binding in Chromium with a virtual authenticator', { skip: chromiumSkip() }, () => {
  before(async () => {
    origin = `http://localhost:${await listen()}`;
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${origin}/`);
    authenticator = await addVirtualAuthenticator(page);
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });
  beforeEach(async () => {
    rp.policy = policyWith({});
    rp.binding = undefined;
    await authenticator.clearCredentials();
  });

  test('registers with packed attestation at AAL2 when no root is configured, then signs in with a growing counter', async () => {
    const registered = await ceremony('register');
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    assert.deepEqual(
      { ...registered.body, credentialId: undefined, publicKey: undefined },
      {
        credentialId: undefined,
        publicKey: undefined,
        counter: 1,
        aaguid: CHROMIUM_AAGUID,
        attestationFormat: 'packed',
        attestationTrusted: false,
        deviceType: 'singleDevice',
        backedUp: false,
        userVerified: true,
        transports: ['internal'],
        aal: 'AAL2',
      },
    );
    const held = await authenticator.credentials();
    assert.equal(Buffer.from(held[0]?.credentialId ?? '', 'base64').toString('base64url'), registered.body.credentialId);
    const first = await ceremony('login');
    assert.deepEqual(first, { status: 200, body: { newCounter: 2, userVerified: true } });
    const second = await ceremony('login');
    assert.deepEqual(second, { status: 200, body: { newCounter: 3, userVerified: true } });
    assert.equal(rp.binding?.counter, 3);
  });

  test('a sign count that does not grow past the stored one is refused', async () => {
    assert.equal((await ceremony('register')).status, 200);
    rp.binding = { ...(rp.binding as WebAuthnBinding), counter: 50 };
    assertRefused(await ceremony('login'), 'counter');
    assert.equal(rp.binding.counter, 50);
  });

  test('the Chromium batch certificate as anchor makes the attestation trusted and the binding AAL3', async () => {
    assert.equal((await ceremony('register')).status, 200);
    const anchor = batchCertificatePem(rp.lastRegistration as RegistrationResponseJSON);
    await authenticator.clearCredentials();
    rp.policy = policyWith({ attestationRoots: [anchor], requireTrustedAttestation: true });
    const trusted = await ceremony('register');
    assert.equal(trusted.status, 200, JSON.stringify(trusted.body));
    assert.deepEqual([trusted.body.attestationTrusted, trusted.body.aal], [true, 'AAL3']);
    const response = rp.lastRegistration as RegistrationResponseJSON;
    const challenge = clientChallenge(response.response.clientDataJSON);
    const notListed = await verifyRegistration(policyWith({ attestationRoots: [anchor], aal3Aaguids: ['ee882879-721c-4913-9775-3dfcce97072a'] }), response, challenge);
    assert.deepEqual([notListed.attestationTrusted, notListed.aal], [true, 'AAL2']);
    const listed = await verifyRegistration(policyWith({ attestationRoots: [anchor], aal3Aaguids: [CHROMIUM_AAGUID] }), response, challenge);
    assert.equal(listed.aal, 'AAL3');
    await rejects(verifyRegistration(policyWith({ requireTrustedAttestation: true }), response, challenge), 'attestation');
  });

  test('a backed-up (synced) credential stays AAL2 even with trusted attestation', async () => {
    assert.equal((await ceremony('register')).status, 200);
    const anchor = batchCertificatePem(rp.lastRegistration as RegistrationResponseJSON);
    await useAuthenticator({ backedUp: true });
    rp.policy = policyWith({ attestationRoots: [anchor] });
    const synced = await ceremony('register');
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.deepEqual([synced.body.attestationTrusted, synced.body.deviceType, synced.body.backedUp, synced.body.aal], [true, 'multiDevice', true, 'AAL2']);
    await useAuthenticator();
  });

  test('untrusted attestation is refused when the policy requires trust', async () => {
    rp.policy = policyWith({ requireTrustedAttestation: true });
    assertRefused(await ceremony('register'), 'attestation');
    assert.equal(rp.binding, undefined);
  });

  test('an excluded credential is not registered twice', async () => {
    const registered = await ceremony('register');
    const again = await ceremony('register', false, [registered.body.credentialId as string]);
    assert.deepEqual(again, { status: 0, body: { browserError: 'InvalidStateError' } });
  });

  test('a registration without user verification is refused', async () => {
    await useAuthenticator({ hasUserVerification: true, isUserVerified: false });
    assert.deepEqual(await ceremony('register'), { status: 0, body: { browserError: 'NotAllowedError' } });
    await useAuthenticator({ hasUserVerification: false, isUserVerified: false });
    assertRefused(await ceremony('register', true), 'userVerification');
    assert.equal(rp.binding, undefined);
    await useAuthenticator();
  });

  test('a sign-in without user verification is refused', async () => {
    assert.equal((await ceremony('register')).status, 200);
    const [credential] = await authenticator.credentials();
    await useAuthenticator({ hasUserVerification: false, isUserVerified: false });
    await authenticator.addCredential(credential as NonNullable<typeof credential>);
    assertRefused(await ceremony('login', true), 'userVerification');
    await useAuthenticator();
  });

  test('a replayed registration response is refused against a new challenge, and so are a wrong origin and RP id', async () => {
    assert.equal((await ceremony('register')).status, 200);
    const response = rp.lastRegistration as RegistrationResponseJSON;
    await rejects(verifyRegistration(rp.policy, response, randomBytes(32).toString('base64url')), 'challenge');
    const challenge = clientChallenge(response.response.clientDataJSON);
    await rejects(verifyRegistration(policyWith({ origins: ['https://id.agency.gov'] }), response, challenge), 'origin');
    await rejects(verifyRegistration(policyWith({ rpId: 'agency.gov' }), response, challenge), 'rpId');
    assert.equal((await verifyRegistration(rp.policy, response, challenge)).aaguid, CHROMIUM_AAGUID);
  });

  test('a login is refused for another credential id, another public key, or a replayed challenge', async () => {
    assert.equal((await ceremony('register')).status, 200);
    const other = rp.binding as WebAuthnBinding;
    assert.equal((await ceremony('register')).status, 200);
    const bound = rp.binding as WebAuthnBinding;
    assert.notEqual(bound.credentialId, other.credentialId);
    assert.equal((await ceremony('login')).status, 200);
    const login = rp.lastLogin as AuthenticationResponseJSON;
    const challenge = clientChallenge(login.response.clientDataJSON);
    const stored = { credentialId: bound.credentialId, publicKey: bound.publicKey, counter: 0 };
    assert.deepEqual(await verifyAuthentication(rp.policy, login, challenge, stored), { newCounter: 2, userVerified: true });
    await rejects(verifyAuthentication(rp.policy, login, challenge, { ...stored, credentialId: other.credentialId }), 'credentialId');
    await rejects(verifyAuthentication(rp.policy, login, challenge, { ...stored, publicKey: other.publicKey }), 'signature');
    await rejects(verifyAuthentication(rp.policy, login, challenge, { ...stored, counter: 2 }), 'counter');
    await rejects(verifyAuthentication(rp.policy, login, randomBytes(32).toString('base64url'), stored), 'challenge');
  });
});
