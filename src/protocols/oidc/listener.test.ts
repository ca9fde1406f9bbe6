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

const request = (url: string) => ({ url, method: 'GET' }) as IncomingMessage;
const response = {} as ServerResponse;

test('takes the issuer\'s path and root discovery, hands them over below the mount path, and leaves the rest', () => {
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

test('answers the RFC 8414 path of the authorization server metadata: the issuer\'s path after the well-known name', () => {
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
