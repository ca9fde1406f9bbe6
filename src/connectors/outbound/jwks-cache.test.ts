import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { outboundClient } from './client.ts';
import { agencyNetworkPolicy } from './guard.ts';
import { JwksCache, maxAgeOf } from './jwks-cache.ts';
import { type CountingServer, countingServer } from './test-servers.ts';

const KEYS = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'rp-1' }] };

describe('the JWKS cache', () => {
  let server: CountingServer;
  const hits = (path: string) => server.requests.filter((r) => r.path === path).length;
  before(async () => {
    server = await countingServer((request, response) => {
      if (request.url === '/short') response.writeHead(200, { 'cache-control': 'public, max-age=5' }).end(JSON.stringify(KEYS));
      else if (request.url === '/long') response.writeHead(200, { 'cache-control': 'max-age=86400' }).end(JSON.stringify(KEYS));
      else response.writeHead(500).end();
    });
  });
  after(() => server.close());
  const fetch = outboundClient({ policy: agencyNetworkPolicy(['127.0.0.1']) });

  test('a flood of lookups fetches once per floor interval, even when the answer allows less', async () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const cache = new JwksCache({ clock, floorSeconds: 60, ceilingSeconds: 3600 });
    const url = `${server.url}/short`;
    const sets = await Promise.all(Array.from({ length: 50 }, () => cache.keySet(url, fetch)));
    for (let i = 0; i < 50; i += 1) await cache.keySet(url, fetch);
    assert.deepEqual(sets[0], KEYS);
    assert.equal(hits('/short'), 1);
    clock.advance(59_000);
    await cache.keySet(url, fetch);
    assert.equal(hits('/short'), 1, 'max-age=5 is raised to the 60 s floor');
    clock.advance(2000);
    await cache.keySet(url, fetch);
    assert.equal(hits('/short'), 2);
  });

  test('a long max-age is cut to the ceiling, and a failure is kept for the floor', async () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const cache = new JwksCache({ clock, floorSeconds: 60, ceilingSeconds: 600 });
    await cache.keySet(`${server.url}/long`, fetch);
    clock.advance(599_000);
    await cache.keySet(`${server.url}/long`, fetch);
    assert.equal(hits('/long'), 1);
    clock.advance(2000);
    await cache.keySet(`${server.url}/long`, fetch);
    assert.equal(hits('/long'), 2, 'refetched after the ceiling');
    for (let i = 0; i < 20; i += 1) await assert.rejects(cache.keySet(`${server.url}/broken`, fetch), /answered 500/);
    assert.equal(hits('/broken'), 1);
    clock.advance(61_000);
    await assert.rejects(cache.keySet(`${server.url}/broken`, fetch), /answered 500/);
    assert.equal(hits('/broken'), 2);
  });

  test('reads max-age, and no-store or no-cache as none', () => {
    assert.equal(maxAgeOf('public, max-age=300'), 300);
    assert.equal(maxAgeOf('max-age=300, no-store'), 0);
    assert.equal(maxAgeOf('no-cache'), 0);
    assert.equal(maxAgeOf(null), 0);
  });
});
