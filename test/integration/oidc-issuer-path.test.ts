// The OP under an issuer anywhere on its host (OpenID Connect Discovery §4, RFC 8414 §3.1): at the host's root, at
// /oidc, at a deep path. A real relying party (openid-client 6) discovers it and signs a PIV cardholder in with the
// code flow; every endpoint discovery names lies below the issuer and is answered by the OP, not muster's admin app;
// the RFC 8414 metadata, the SSF transmitter metadata, the home agency IdP record and the entity configuration all
// name the issuer and sit where the issuer's path puts them.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, importPKCS8 } from 'jose';
import * as client from 'openid-client';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, registerRelyingParty, rpKeyPair, startFederatedMuster } from '../support/federation.ts';
import { certificateSignIn } from '../support/federation-peers.ts';

/** Endpoints and how each is asked something (an empty request: the OP answers it with a protocol error, never 404). */
const PROBES: Record<string, 'GET' | 'POST'> = {
  authorization_endpoint: 'GET',
  token_endpoint: 'POST',
  userinfo_endpoint: 'GET',
  jwks_uri: 'GET',
  end_session_endpoint: 'GET',
  registration_endpoint: 'POST',
  introspection_endpoint: 'POST',
  revocation_endpoint: 'POST',
  pushed_authorization_request_endpoint: 'POST',
};

async function probe(url: string, method: 'GET' | 'POST', ca?: string): Promise<{ status: number; body: string }> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (!url.startsWith('https:')) {
    const response = await fetch(url, { method, redirect: 'manual', ...(method === 'POST' ? { headers, body: '' } : {}) });
    return { status: response.status, body: await response.text() };
  }
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { method, ca, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(method === 'POST' ? '' : undefined);
  });
}

function answeredByTheOp(name: string, answer: { status: number; body: string }): void {
  assert.notEqual(answer.status, 404, `${name}: ${answer.body.slice(0, 200)}`);
  assert.doesNotMatch(answer.body, /MUSTER_ERR_NOT_FOUND|unrecognized route/, name);
}

for (const path of ['', '/oidc', '/a/b/op']) {
  describe(`an issuer at ${path || "the host's root"}`, () => {
    let fm: FederatedMuster;
    let card: CertificateCredential;
    let callbacks: Server;
    let redirectUri = '';
    const keys = rpKeyPair('issuer-path-rp');

    before(async () => {
      fm = await startFederatedMuster({ issuerPath: path });
      card = await issueSoftwarePivCard(fm, 'E1');
      callbacks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in'));
      await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
      redirectUri = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/cb`;
      await registerRelyingParty(fm, 'issuer-path', { clientId: 'issuer-path-rp', name: 'Issuer path RP', redirectUris: [redirectUri], jwks: { keys: [keys.publicJwk] }, fal: 'fal2' });
    });

    after(async () => {
      callbacks?.closeAllConnections();
      callbacks?.close();
      await fm?.close();
    });

    const discover = async () =>
      client.discovery(new URL(fm.issuer), 'issuer-path-rp', {}, client.PrivateKeyJwt({ key: await importPKCS8(keys.privatePem, 'RS256'), kid: 'issuer-path-rp' }), {
        execute: [client.allowInsecureRequests],
      });

    test("discovery names the configured issuer, and every endpoint it lists lies below it and is the OP's", async () => {
      assert.equal(fm.issuer, `${fm.base}${path}`);
      const metadata = (await discover()).serverMetadata();
      assert.equal(metadata.issuer, fm.issuer);
      for (const [name, method] of Object.entries(PROBES)) {
        const url = metadata[name] as string;
        assert.ok(url.startsWith(`${fm.issuer}/`), `${name} ${url}`);
        answeredByTheOp(name, await probe(url, method));
      }
      const aliases = metadata.mtls_endpoint_aliases as Record<string, string>;
      for (const [name, url] of Object.entries(aliases)) {
        assert.ok(url.startsWith(`${fm.mtlsOrigin}${path}/`), `${name} ${url}`);
        answeredByTheOp(`mtls ${name}`, await probe(url, PROBES[name] ?? 'POST', fm.caPem));
      }
    });

    test("a Host or X-Forwarded-Host header of the client's choosing is not reflected into discovery", async () => {
      const url = new URL(`${fm.issuer}/.well-known/openid-configuration`);
      const body = await new Promise<string>((resolve, reject) => {
        const asked = httpRequest(
          { host: '127.0.0.1', port: url.port, path: url.pathname, headers: { host: 'evil.example:666', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          },
        );
        asked.on('error', reject);
        asked.end();
      });
      assert.doesNotMatch(body, /evil\.example/);
      const metadata = JSON.parse(body) as Record<string, unknown>;
      assert.equal(metadata.issuer, fm.issuer);
      assert.ok(String(metadata.authorization_endpoint).startsWith(`${fm.issuer}/`), String(metadata.authorization_endpoint));
      assert.ok(String(metadata.jwks_uri).startsWith(`${fm.issuer}/`), String(metadata.jwks_uri));
    });

    test('the RFC 8414 metadata, the SSF transmitter metadata, the IdP record and the entity configuration follow the issuer', async () => {
      for (const url of [
        `${fm.issuer}/.well-known/oauth-authorization-server`,
        `${fm.base}/.well-known/oauth-authorization-server${path}`,
        `${fm.base}/.well-known/ssf-configuration${path}`,
        `${fm.issuer}/.well-known/piv-idp-record`,
        `${fm.base}/.well-known/piv-idp-record`,
      ]) {
        const response = await fetch(url);
        assert.equal(response.status, 200, url);
        assert.equal(((await response.json()) as { issuer: string }).issuer, fm.issuer, url);
      }
      const statement = await fetch(`${fm.issuer}/.well-known/openid-federation`);
      assert.equal(statement.status, 200);
      const claims = decodeJwt(await statement.text());
      assert.deepEqual([claims.iss, (claims.metadata as { openid_provider: { issuer: string } }).openid_provider.issuer], [fm.issuer, fm.issuer]);
    });

    test('a PIV cardholder signs in with the code flow: the sign-in pages and the PIV path below the issuer', async () => {
      const config = await discover();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const start = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const browser = new BrowserFetch({ ca: fm.caPem });
      const landed = await certificateSignIn(fm, browser, start.href, card);
      assert.ok(landed.url.startsWith(`${redirectUri}?`), `${landed.status} ${landed.url} ${landed.body.slice(0, 300)}`);
      const tokens = await client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      const claims = tokens.claims();
      assert.equal(claims?.iss, fm.issuer);
      const signIns = await fm.muster.store.query<{ reason: string }>("SELECT reason FROM audit_log WHERE action = 'oidc.sign-in' AND target = $1", [card.identityId]);
      assert.equal(signIns.length, 1);
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims?.sub as string);
      assert.equal(userinfo.sub, claims?.sub);
    });
  });
}
