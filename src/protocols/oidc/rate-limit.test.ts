import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { RateLimiter } from '../../core/limits/token-buckets.ts';
import { rateLimitedOp } from './rate-limit.ts';

const clock = new ManualClock('2026-03-02T09:00:00Z');
let server: Server;
let base = '';

before(async () => {
  const limiter = new RateLimiter({ perAddress: { perSecond: 1, burst: 2 }, perToken: { perSecond: 1, burst: 1 }, maxTracked: 100 });
  const op = rateLimitedOp(
    (_req, res) => {
      res.writeHead(200).end('op');
      return true;
    },
    'http://127.0.0.1:8080/oidc',
    { limiter, clock },
  );
  server = createServer((req, res) => {
    if (!op(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('the token, PAR and registration endpoints answer 429 with Retry-After past the rate; other OP paths are not limited', async () => {
  const statuses = [];
  for (const path of ['/oidc/token', '/oidc/request', '/oidc/reg', '/oidc/token']) statuses.push((await fetch(`${base}${path}`, { method: 'POST' })).status);
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  const limited = await fetch(`${base}/oidc/token`, { method: 'POST' });
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.deepEqual(await limited.json(), { error: 'too_many_requests', error_description: 'too many requests: slow down and retry after the time Retry-After names' });
  assert.equal((await fetch(`${base}/oidc/auth`)).status, 200);
  assert.equal((await fetch(`${base}/oidc/.well-known/openid-configuration`)).status, 200);
  clock.advance(1000);
  assert.equal((await fetch(`${base}/oidc/token`, { method: 'POST' })).status, 200, 'a second later the address has a token again');
});
