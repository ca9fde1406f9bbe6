// A real relying party (openid-client 6) against muster's OP on a loopback port: discovery, the code flow with PKCE
// and private_key_jwt, the token and UserInfo endpoints; the PIV federation claims, pairwise subjects, the
// attributes an agreement releases, live identity checks, and the refusals the FAL rules and client
// authentication call for.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { ACR, PIV_CLAIMS } from '../../src/core/federation/profile.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { identityByKey } from '../../src/lifecycle/test-fixtures.ts';
import { browse, startTestOp, testCredential, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { pgliteFactory } from '../support/stores.ts';

describe("openid-client against muster's OP", () => {
  const h = useHarness(pgliteFactory, { import: { massChangeShare: 1 } });
  let op: TestOp;
  let jwksServer: Server;
  const ids: Record<string, string> = {};
  const cards: Record<string, string> = {};
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};

  const redirect = (rp: string) => `http://127.0.0.1/${rp}/cb`;

  function rpEntry(clientId: string, over: Record<string, unknown> = {}) {
    return { clientId, name: clientId, redirectUris: [redirect(clientId)], jwks: { keys: [keys[clientId]!.jwk] }, fal: 'fal2', ...over };
  }

  function agreement(rps: unknown[], attributes: { name: string; purpose: string }[]) {
    return { name: 'test agreement', population: { agencyCodes: ['9700'] }, idp: { issuer: op.issuer, home: true }, relyingParties: rps, attributes, assurance: { fal: { min: 'fal1', max: 'fal3' } } };
  }

  async function importHr(lines: string[]): Promise<void> {
    const run = await h.imports.run({ source: 'hr', file: await h.file(`hr-${Math.random()}.csv`, hrCsv(lines)), actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  before(async () => {
    h.clock.set(new Date());
    op = await startTestOp(h);
    for (const rp of ['rp-a', 'rp-b', 'rp-fal1', 'rp-c', 'rp-d', 'rp-e', 'rp-private', 'rp-private-allowed']) {
      const pair = await generateKeyPair('RS256', { extractable: true });
      keys[rp] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: `${rp}-key`, alg: 'RS256', use: 'sig' } };
    }
    await importHr([hrLine('E1', { component: 'Office of the CIO', department: 'Cloud Services' }), hrLine('E2')]);
    for (const key of ['E1', 'E2']) {
      ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
      cards[key] = await testCredential(h, ids[key] as string);
    }
    const agreements = new AgreementService(h);
    await agreements.save(
      'apps-a',
      agreement(
        [rpEntry('rp-a', { sectorIdentifierUri: 'http://localhost/rp-a/sector' })],
        [
          { name: 'name', purpose: 'greet the user' },
          { name: 'email', purpose: 'contact' },
        ],
      ),
      'admin',
      'test',
    );
    await agreements.save('apps-b', agreement([rpEntry('rp-b', { sectorIdentifierUri: 'https://rp-b.example.gov/sector' }), rpEntry('rp-fal1', { fal: 'fal1' })], []), 'admin', 'test');
    jwksServer = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys[req.url?.slice(1) ?? '']?.jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = (rp: string) => `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/${rp}`;
    await agreements.save(
      'apps-private',
      agreement(
        [
          rpEntry('rp-private', { jwks: undefined, jwksUri: jwksUri('rp-private') }),
          rpEntry('rp-private-allowed', {
            jwks: undefined,
            jwksUri: jwksUri('rp-private-allowed'),
            allowPrivateNetwork: true,
            privateNetworkReason: 'the RP publishes its keys on the agency network only',
          }),
        ],
        [],
      ),
      'admin',
      'test',
    );
    await agreements.save('apps-c', agreement([rpEntry('rp-c'), rpEntry('rp-d'), rpEntry('rp-e', { sectorIdentifierUri: 'https://rp-b.example.gov/sector' })], []), 'admin', 'test');
  });

  after(async () => {
    jwksServer?.closeAllConnections();
    jwksServer?.close();
    await op?.close();
  });

  async function rp(clientId: string): Promise<client.Configuration> {
    return client.discovery(new URL(op.issuer), clientId, {}, client.PrivateKeyJwt(keys[clientId]!.privateKey), { execute: [client.allowInsecureRequests] });
  }

  interface SignIn {
    config: client.Configuration;
    callback: URL;
    verifier: string;
    nonce: string;
    state: string;
  }

  async function signIn(clientId: string, identity: string, credential = cards[identity] as string, scope = 'openid profile email'): Promise<SignIn> {
    const config = await rp(clientId);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    op.next = { identityId: ids[identity] as string, credentialId: credential };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect(clientId),
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const callback = await browse(url, (u) => u.href.startsWith(redirect(clientId)));
    return { config, callback, verifier, nonce, state };
  }

  function exchange(s: SignIn) {
    return client.authorizationCodeGrant(s.config, s.callback, { pkceCodeVerifier: s.verifier, expectedNonce: s.nonce, expectedState: s.state });
  }

  async function refusals(): Promise<{ data: { clientId: string | null; reason: string; error?: string } }[]> {
    return h.store.query(`SELECT data FROM audit_log WHERE action = 'oidc.refused' ORDER BY seq`);
  }

  test('discovery names the endpoints, pairwise subjects, both ACR values and the profile claims', async () => {
    const meta = (await rp('rp-a')).serverMetadata();
    assert.equal(meta.issuer, op.issuer);
    assert.deepEqual(meta.subject_types_supported, ['pairwise']);
    assert.deepEqual(new Set(meta.acr_values_supported), new Set([ACR.aal2, ACR.aal3]));
    assert.deepEqual(new Set(meta.token_endpoint_auth_methods_supported), new Set(['private_key_jwt', 'tls_client_auth']));
    assert.ok(!(meta.token_endpoint_auth_signing_alg_values_supported ?? []).some((a) => a === 'none' || a.startsWith('HS')));
    for (const claim of Object.values(PIV_CLAIMS)) assert.ok(meta.claims_supported?.includes(claim), claim);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  });

  test('the code flow with PKCE and private_key_jwt yields an ID token with every PIV federation claim, and UserInfo the agreed attributes', async () => {
    const tokens = await exchange(await signIn('rp-a', 'E1'));
    const claims = tokens.claims()!;
    assert.equal(claims[PIV_CLAIMS.federation], true);
    assert.equal(claims[PIV_CLAIMS.homeAgency], 'agency_code:9700');
    assert.deepEqual(claims[PIV_CLAIMS.orgAffiliation], ['agency_code:9700', 'agency_code:9700/sub:office-of-the-cio', 'agency_code:9700/sub:office-of-the-cio/cloud-services']);
    assert.equal(claims[PIV_CLAIMS.ial], 'ial3');
    assert.equal(claims[PIV_CLAIMS.aal], 'aal3');
    assert.equal(claims[PIV_CLAIMS.fal], 'fal2');
    assert.equal(claims[PIV_CLAIMS.credentialType], 'piv_card');
    assert.equal(claims.acr, ACR.aal3);
    assert.deepEqual(claims.amr, ['sc', 'pin', 'mfa']);
    assert.equal(typeof claims.auth_time, 'number');
    assert.equal(typeof claims.updated_at, 'number');
    assert.equal(claims.aud, 'rp-a');
    assert.equal(claims.email, undefined, 'no stable attributes in the ID token');
    assert.equal(claims.name, undefined);
    assert.notEqual(claims.sub, ids.E1, 'the subject is pairwise, never the MUR id');
    const info = await client.fetchUserInfo(await rp('rp-a'), tokens.access_token, claims.sub);
    assert.equal(info.email, 'given1.family1@demo.gov');
    assert.equal(info.name, 'Given1 Family1');
    assert.equal(info.given_name, undefined, 'in the profile scope, but not listed by the agreement');
    assert.equal(info.family_name, undefined);
    const [use] = await h.store.query<{ sub: string }>('SELECT sub FROM federation_rp_subjects WHERE identity_id = $1 AND client_id = $2', [ids.E1, 'rp-a']);
    assert.equal(use?.sub, claims.sub, 'the RP the identity used is recorded with its subject');
    const [issued] = await h.store.query<{ data: { clientId: string; identityId: string } }>(`SELECT data FROM audit_log WHERE action = 'oidc.token.issued' ORDER BY seq DESC LIMIT 1`);
    assert.deepEqual([issued?.data.clientId, issued?.data.identityId], ['rp-a', ids.E1]);
  });

  test('pairwise subjects differ between sectors and survive a change of email and name and a new card', async () => {
    const atA = (await exchange(await signIn('rp-a', 'E1'))).claims()!.sub;
    const b = await exchange(await signIn('rp-b', 'E1'));
    const atB = b.claims()!.sub;
    assert.notEqual(atA, atB);
    const info = await client.fetchUserInfo(await rp('rp-b'), b.access_token, atB);
    assert.deepEqual(Object.keys(info).sort(), ['sub', 'updated_at'], 'the agreement of rp-b lists no attributes');
    await importHr([hrLine('E1', { component: 'Office of the CIO', department: 'Cloud Services', email: 'new.name@demo.gov', family_name: 'Newname' }), hrLine('E2')]);
    const newCard = await testCredential(h, ids.E1 as string);
    await h.store.query(`UPDATE credentials SET status = 'terminated' WHERE id = $1`, [cards.E1]);
    cards.E1 = newCard;
    const again = await exchange(await signIn('rp-a', 'E1'));
    assert.equal(again.claims()!.sub, atA);
    assert.equal((await client.fetchUserInfo(await rp('rp-a'), again.access_token, atA)).email, 'new.name@demo.gov');
  });

  test('two relying parties on one host get different subjects; RPs naming one sector identifier URI share one', async () => {
    const subOf = async (clientId: string) => (await exchange(await signIn(clientId, 'E2'))).claims()!.sub;
    assert.equal(new URL(redirect('rp-c')).host, new URL(redirect('rp-d')).host);
    const [atC, atD, atB, atE] = [await subOf('rp-c'), await subOf('rp-d'), await subOf('rp-b'), await subOf('rp-e')];
    assert.notEqual(atC, atD, 'one host is not one sector');
    assert.equal(atE, atB, 'rp-e and rp-b (other agreements) name the same sector identifier URI');
    assert.notEqual(atC, atB);
    assert.equal((await exchange(await signIn('rp-c', 'E2'))).claims()!.sub, atC, 'stable per RP');
  });

  test('a jwksUri on a private network is not fetched unless the agreement allows it, with a reason; the fetch is audited', async () => {
    await assert.rejects(exchange(await signIn('rp-private', 'E2')), (e: any) => e.error === 'invalid_client');
    assert.ok((await refusals()).some((r) => r.data.clientId === 'rp-private' && r.data.error === 'invalid_client'));
    const tokens = await exchange(await signIn('rp-private-allowed', 'E2'));
    assert.equal(tokens.claims()?.aud, 'rp-private-allowed');
    const fetched = await h.store.query<{ reason: string; data: { client_id: string; url: string } }>(`SELECT reason, data FROM audit_log WHERE action = 'oidc.fetch.private-network'`);
    assert.ok(fetched.length >= 1);
    assert.deepEqual(
      fetched.map((f) => f.data.client_id).filter((c) => c !== 'rp-private-allowed'),
      [],
      "only the allowed RP's URL",
    );
    assert.equal(fetched[0]?.reason, 'the RP publishes its keys on the agency network only');
  });

  test('a FAL2 client asking for an ID token on the front channel is refused and the refusal audited', async () => {
    const config = await rp('rp-a');
    op.next = { identityId: ids.E1 as string, credentialId: cards.E1 as string };
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect('rp-a'), scope: 'openid', response_type: 'id_token', nonce: 'n-0123456789abcdefghijkl', state: 's-1' });
    const answer = await browse(url, (u) => u.href.startsWith(redirect('rp-a')));
    const error = new URLSearchParams(answer.hash.slice(1) || answer.search).get('error') ?? '';
    assert.ok(['unauthorized_client', 'invalid_request'].includes(error), error);
    assert.equal(answer.searchParams.get('code'), null);
    assert.ok((await refusals()).some((r) => r.data.clientId === 'rp-a' && r.data.error === error));
  });

  test('a code flow request without a nonce is refused at FAL2', async () => {
    const config = await rp('rp-a');
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect('rp-a'),
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's-2',
    });
    const answer = await browse(url, (u) => u.href.startsWith(redirect('rp-a')));
    assert.equal(answer.searchParams.get('error'), 'invalid_request');
    assert.match(answer.searchParams.get('error_description') ?? '', /nonce/);
  });

  /** UserInfo answered 401 with an `invalid_token` challenge. */
  const invalidToken = (e: any) => e instanceof client.WWWAuthenticateChallengeError && (e.cause as { parameters: { error?: string } }[])[0]?.parameters.error === 'invalid_token';

  async function tokenRequest(body: Record<string, string>): Promise<{ status: number; error: string }> {
    const response = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: redirect('rp-a'), code_verifier: 'v'.repeat(43), ...body }),
    });
    return { status: response.status, error: ((await response.json()) as { error: string }).error };
  }

  const assertion = (claims: Record<string, unknown> = {}) => ({ iss: 'rp-a', sub: 'rp-a', aud: op.issuer, jti: crypto.randomUUID(), ...claims });
  const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  const signed = (claims: Record<string, unknown>, exp = '2m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' }).setIssuedAt().setExpirationTime(exp).sign(keys['rp-a']!.privateKey);

  test('client authentication: a client secret, alg none, HS256, a wrong audience and an expired assertion are refused', async () => {
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_secret: 'guess' })).error, 'invalid_client');
    const none = new UnsecuredJWT(assertion()).setIssuedAt().setExpirationTime('2m').encode();
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_assertion_type: assertionType, client_assertion: none })).error, 'invalid_client');
    const hs = await new SignJWT(assertion())
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode(JSON.stringify(keys['rp-a']!.jwk)));
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_assertion_type: assertionType, client_assertion: hs })).error, 'invalid_client');
    const wrongAudience = await signed(assertion({ aud: 'https://other.example.gov' }));
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_assertion_type: assertionType, client_assertion: wrongAudience })).error, 'invalid_client');
    const expired = await new SignJWT(assertion())
      .setProtectedHeader({ alg: 'RS256', kid: 'rp-a-key' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(keys['rp-a']!.privateKey);
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_assertion_type: assertionType, client_assertion: expired })).error, 'invalid_client');
    const good = await signed(assertion());
    assert.equal((await tokenRequest({ client_id: 'rp-a', client_assertion_type: assertionType, client_assertion: good })).error, 'invalid_grant', 'a good assertion gets past client authentication');
    assert.ok((await refusals()).filter((r) => r.data.reason === 'grant.error' && r.data.error === 'invalid_client').length >= 5);
  });

  test('a replayed code is refused and the tokens of its grant are revoked', async () => {
    const first = await signIn('rp-a', 'E1');
    const tokens = await exchange(first);
    await assert.rejects(exchange(first), (e: any) => e.error === 'invalid_grant');
    await assert.rejects(client.fetchUserInfo(first.config, tokens.access_token, tokens.claims()!.sub), invalidToken);
  });

  test("a terminated identity's code, token and UserInfo fail at once", async () => {
    const pending = await signIn('rp-a', 'E2');
    const issued = await exchange(await signIn('rp-a', 'E2'));
    await importHr([hrLine('E1', { component: 'Office of the CIO', department: 'Cloud Services', email: 'new.name@demo.gov', family_name: 'Newname' }), hrLine('E2', { status: 'terminated' })]);
    assert.equal((await identityByKey(h.store, 'employee_id', 'E2')).status, 'terminated');
    await assert.rejects(exchange(pending), (e: any) => e.error === 'invalid_grant');
    await assert.rejects(client.fetchUserInfo(await rp('rp-a'), issued.access_token, issued.claims()!.sub), invalidToken);
    assert.ok((await refusals()).some((r) => r.data.reason === 'identity-not-active' && r.data.clientId === 'rp-a'));
  });
});
