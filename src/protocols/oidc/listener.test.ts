import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { Provider } from 'oidc-provider';
import { oidcListener } from './listener.ts';

/** A stand-in provider whose callback records the URL it was handed (the listener's routing is what is tested). */
function recorder(): { provider: Provider; seen: { url: string; originalUrl: string }[] } {
  const seen: { url: string; originalUrl: string }[] = [];
  const provider = { callback: () => (req: IncomingMessage & { originalUrl?: string }) => void seen.push({ url: req.url ?? '', originalUrl: req.originalUrl ?? '' }) } as unknown as Provider;
  return { provider, seen };
}

const request = (url: string) => ({ url, method: 'GET', headers: {}, socket: {} }) as unknown as IncomingMessage;
const response = {} as ServerResponse;

test("takes the issuer's path and root discovery, hands them over below the mount path, and leaves the rest", () => {
  const { provider, seen } = recorder();
  const listener = oidcListener({ issuer: 'http://127.0.0.1:8080/oidc', provider: () => provider });
  assert.equal(listener(request('/oidc/auth?client_id=x'), response), true);
  assert.equal(listener(request('/.well-known/openid-configuration'), response), true);
  assert.equal(listener(request('/oidc/.well-known/openid-configuration'), response), true);
  for (const other of ['/api/identities', '/oidc/.well-known/openid-federation', '/oidc/.well-known/piv-idp-record', '/.well-known/piv-idp-record', '/oidcx/auth']) {
    assert.equal(listener(request(other), response), false, other);
  }
  assert.deepEqual(seen, [
    { url: '/auth?client_id=x', originalUrl: '/oidc/auth?client_id=x' },
    { url: '/.well-known/openid-configuration', originalUrl: '/oidc/.well-known/openid-configuration' },
    { url: '/.well-known/openid-configuration', originalUrl: '/oidc/.well-known/openid-configuration' },
  ]);
});

test("answers the RFC 8414 path of the authorization server metadata: the issuer's path after the well-known name", () => {
  const { provider, seen } = recorder();
  const listener = oidcListener({ issuer: 'http://127.0.0.1:8080/oidc', provider: () => provider });
  assert.equal(listener(request('/.well-known/oauth-authorization-server/oidc'), response), true);
  assert.equal(listener(request('/oidc/.well-known/oauth-authorization-server'), response), true);
  for (const other of ['/.well-known/oauth-authorization-server/other', '/.well-known/oauth-authorization-server/oidc/x', '/.well-known/oauth-authorization-server']) {
    assert.equal(listener(request(other), response), false, other);
  }
  assert.deepEqual(seen, [
    { url: '/.well-known/oauth-authorization-server', originalUrl: '/oidc/.well-known/oauth-authorization-server' },
    { url: '/.well-known/oauth-authorization-server', originalUrl: '/oidc/.well-known/oauth-authorization-server' },
  ]);
});

test("an issuer at the host's root: the OP takes its own paths and leaves muster's to the admin app", () => {
  const { provider, seen } = recorder();
  const listener = oidcListener({ issuer: 'https://idp.agency.example', provider: () => provider });
  for (const own of [
    '/auth?client_id=x',
    '/token',
    '/jwks',
    '/me',
    '/session/end/confirm',
    '/token/introspection',
    '/reg/abc',
    '/request',
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]) {
    assert.equal(listener(request(own), response), true, own);
  }
  for (const other of [
    '/',
    '/api/identities',
    '/health',
    '/metrics',
    '/openapi.json',
    '/ssf/jwks',
    '/ocsp',
    '/crl/root.crl',
    '/pki/root-ca.crt',
    '/.well-known/piv-idp-record',
    '/.well-known/openid-federation',
    '/.well-known/ssf-configuration',
    '/authx',
    '/interactions',
  ]) {
    assert.equal(listener(request(other), response), false, other);
  }
  assert.deepEqual(
    seen.map((s) => s.url),
    [
      '/auth?client_id=x',
      '/token',
      '/jwks',
      '/me',
      '/session/end/confirm',
      '/token/introspection',
      '/reg/abc',
      '/request',
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ],
  );
});

test("an issuer at a deep path: the OP's paths below it, discovery and the RFC 8414 metadata path too", () => {
  const { provider, seen } = recorder();
  const listener = oidcListener({ issuer: 'https://idp.agency.example/a/b/op', provider: () => provider });
  for (const own of ['/a/b/op/auth', '/a/b/op/token', '/a/b/op/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/a/b/op'])
    assert.equal(listener(request(own), response), true, own);
  for (const other of ['/a/b/auth', '/auth', '/a/b/op', '/a/b/op/x', '/a/b/op/.well-known/piv-idp-record']) assert.equal(listener(request(other), response), false, other);
  assert.deepEqual(
    seen.map((s) => [s.url, s.originalUrl]),
    [
      ['/auth', '/a/b/op/auth'],
      ['/token', '/a/b/op/token'],
      ['/.well-known/openid-configuration', '/a/b/op/.well-known/openid-configuration'],
      ['/.well-known/oauth-authorization-server', '/a/b/op/.well-known/oauth-authorization-server'],
    ],
  );
});

test("an interaction page below the issuer's path goes to the sign-in pages, at the root as at a deep path", async () => {
  for (const [issuer, page] of [
    ['https://idp.agency.example', '/interaction/abcdefgh'],
    ['https://idp.agency.example/a/b/op', '/a/b/op/interaction/abcdefgh'],
  ] as const) {
    const { provider, seen } = recorder();
    const taken: string[] = [];
    const listener = oidcListener({ issuer, provider: () => provider, interactions: { handle: async (req) => (taken.push(req.url ?? ''), true) } });
    assert.equal(listener(request(page), response), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([taken, seen], [[page], []]);
  }
});
