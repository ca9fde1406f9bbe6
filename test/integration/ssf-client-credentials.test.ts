// A shared-signals receiver manages its stream with an OAuth 2.0 access token from muster's OP (client credentials
// grant with private_key_jwt, scope ssf.manage), as the CAEP interoperability profile asks; a token of a client
// whose agreement lists no signals cannot be had, and a receiver without a token is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { AgreementService } from '../../src/federation/agreements.ts';
import { createHttpApp } from '../../src/http/app.ts';
import type { MusterApp } from '../../src/http/env.ts';
import { startTestOp, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { startMuster, type Muster } from '../../src/runtime/context.ts';
import { useHarness } from '../support/muster.ts';
import { pgliteFactory } from '../support/stores.ts';

describe('stream management with client-credentials tokens from the OP', () => {
  const h = useHarness(pgliteFactory);
  let op: TestOp;
  let muster: Muster;
  let app: MusterApp;
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};

  const entry = (clientId: string) => ({ clientId, name: clientId, redirectUris: [`http://127.0.0.1/${clientId}/cb`], jwks: { keys: [keys[clientId]!.jwk] }, fal: 'fal2' });
  const agreement = (rp: unknown, signals: unknown[]) => ({ name: 'signals', population: { agencyCodes: ['9700'] }, idp: { issuer: op.issuer, home: true }, relyingParties: [rp], signals });

  before(async () => {
    h.clock.set(new Date());
    op = await startTestOp(h);
    muster = await startMuster(h.config, { store: h.store, clock: h.clock });
    app = createHttpApp(muster);
    for (const id of ['receiver', 'quiet']) {
      const pair = await generateKeyPair('RS256', { extractable: true });
      keys[id] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `${id}-key`, alg: 'RS256', use: 'sig' } };
    }
    const agreements = new AgreementService(h);
    await agreements.save('with-signals', agreement(entry('receiver'), [{ event: 'account-disabled', action: 'disable-account' }]), 'admin', 'test');
    await agreements.save('without-signals', agreement(entry('quiet'), []), 'admin', 'test');
  });

  after(async () => {
    await op?.close();
  });

  const configFor = (id: string) => client.discovery(new URL(op.issuer), id, {}, client.PrivateKeyJwt(keys[id]!.privateKey), { execute: [client.allowInsecureRequests] });
  const createStream = (authorization?: string) =>
    app.request('/ssf/streams', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ delivery: { method: 'urn:ietf:rfc:8936' }, events_requested: ['https://schemas.openid.net/secevent/risc/event-type/account-disabled'] }),
    });

  test("a token with ssf.manage creates the receiver's stream", async () => {
    const tokens = await client.clientCredentialsGrant(await configFor('receiver'), { scope: 'ssf.manage' });
    const created = await createStream(`Bearer ${tokens.access_token}`);
    assert.equal(created.status, 201, await created.clone().text());
    const stream = (await created.json()) as { stream_id: string; aud: string | string[]; events_delivered: string[] };
    assert.deepEqual([stream.aud].flat(), ['receiver']);
    assert.deepEqual(stream.events_delivered, ['https://schemas.openid.net/secevent/risc/event-type/account-disabled']);
  });

  test('a client whose agreement lists no signals gets no token; no token, no stream', async () => {
    await assert.rejects(client.clientCredentialsGrant(await configFor('quiet'), { scope: 'ssf.manage' }), (error: { cause?: { error_description?: string } }) =>
      /grant type is not allowed/.test(error.cause?.error_description ?? ''),
    );
    assert.equal((await createStream()).status, 401);
    assert.equal((await createStream('Bearer not-a-token')).status, 401);
  });

  test('a token of a suspended agreement no longer manages the stream', async () => {
    const tokens = await client.clientCredentialsGrant(await configFor('receiver'), { scope: 'ssf.read' });
    await new AgreementService(h).setStatus('with-signals', 'suspended', 'admin', 'review');
    const read = await app.request('/ssf/streams', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(read.status, 401);
  });
});
