import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MusterError } from '../../core/errors.ts';
import { outboundClient } from './client.ts';
import { type Resolver, PUBLIC_ONLY, agencyNetworkPolicy, refusalOf } from './guard.ts';
import { type CountingServer, countingServer, socketsOpenedDuring } from './test-servers.ts';

/** Test names mapped to the addresses an attacker would point them at; nothing here is ever connected to. */
const NAMES: Record<string, string[]> = {
  'private.test': ['10.1.2.3'],
  'home.test': ['192.168.1.10'],
  'corp.test': ['172.20.0.5'],
  'link.test': ['169.254.10.10'],
  'metadata.test': ['169.254.169.254'],
  'metadata6.test': ['fd00:ec2::254'],
  'ula.test': ['fd12:3456::1'],
  'fe80.test': ['fe80::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'mapped-metadata.test': ['::ffff:169.254.169.254'],
  'unspecified.test': ['0.0.0.0'],
  'multicast.test': ['224.0.0.251'],
  'loopback6.test': ['::1'],
  'mixed.test': ['127.0.0.1', '10.9.9.9'],
  'rebind.test': ['127.0.0.1'],
  localhost: ['127.0.0.1'],
};
const resolver: Resolver = async (host) => (NAMES[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function refusal(run: () => Promise<unknown>): Promise<MusterError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof MusterError, `expected a MusterError, got ${String(error)}`);
  return error;
}

describe('the outbound client', () => {
  let server: CountingServer;
  before(async () => {
    server = await countingServer((request, response) => {
      if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (request.url === '/big') response.end('x'.repeat(5000));
      else if (request.url === '/slow') setTimeout(() => response.end('late'), 800);
      else response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=30' }).end('{"ok":true}');
    });
  });
  after(() => server.close());

  test('refuses a loopback URL under the strict policy before any connection is opened', async () => {
    const strict = outboundClient({ policy: PUBLIC_ONLY, resolver });
    for (const url of [`${server.url}/admin`, `http://127.1:${server.port}/admin`, `http://[::ffff:127.0.0.1]:${server.port}/`, `http://localhost:${server.port}/`]) {
      let error: MusterError | undefined;
      const opened = await socketsOpenedDuring(async () => {
        error = await refusal(() => strict(url, { method: 'POST', headers: { authorization: 'Bearer chosen' } }));
      });
      assert.equal(opened, 0, `no socket for ${url}`);
      assert.equal(error?.code, 'MUSTER_ERR_OUTBOUND_REFUSED');
      assert.match(error?.message ?? '', /a loopback address/);
    }
    const localhost = await refusal(() => outboundClient({ policy: PUBLIC_ONLY })(`http://localhost:${server.port}/`));
    assert.match(localhost.message, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    assert.equal(server.connections(), 0, 'the server saw no connection');
  });

  test('names the address and its kind for private, link-local, metadata, mapped, unspecified and multicast hosts', async () => {
    const strict = outboundClient({ policy: PUBLIC_ONLY, resolver });
    const kinds: Record<string, RegExp> = {
      'private.test': /resolves to 10\.1\.2\.3, a private address/,
      'home.test': /192\.168\.1\.10, a private address/,
      'corp.test': /172\.20\.0\.5, a private address/,
      'link.test': /169\.254\.10\.10, a link-local address/,
      'metadata.test': /169\.254\.169\.254, a cloud metadata \(link-local\) address/,
      'metadata6.test': /fd00:ec2::254, a cloud metadata/,
      'ula.test': /unique local/,
      'fe80.test': /fe80::1, a link-local address/,
      'mapped.test': /::ffff:127\.0\.0\.1, a loopback address/,
      'mapped-metadata.test': /cloud metadata/,
      'unspecified.test': /unspecified/,
      'multicast.test': /multicast/,
      'loopback6.test': /::1, a loopback address/,
    };
    const opened = await socketsOpenedDuring(async () => {
      for (const [host, pattern] of Object.entries(kinds)) {
        const url = `https://${host}/.well-known/jwks.json`;
        const error = await refusal(() => strict(url));
        assert.equal(error.code, 'MUSTER_ERR_OUTBOUND_REFUSED');
        assert.match(error.message, pattern);
        assert.ok(error.message.includes(url), `the refusal names ${url}`);
      }
    });
    assert.equal(opened, 0, 'no socket was opened for any refused host');
  });

  test('an allowlisted loopback address is reached, at the address checked rather than a second lookup', async () => {
    const agency = outboundClient({ policy: agencyNetworkPolicy(['127.0.0.0/8']), resolver });
    const answer = await agency(`http://rebind.test:${server.port}/hello?x=1`, { method: 'POST', body: 'ping' });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { ok: true });
    const last = server.requests.at(-1);
    assert.deepEqual([last?.method, last?.path, last?.host, last?.body], ['POST', '/hello?x=1', `rebind.test:${server.port}`, 'ping']);
    const private10 = await refusal(() => agency('http://private.test/'));
    assert.match(private10.message, /10\.1\.2\.3, a private address not allowed by outbound\.agencyNetworks/);
    assert.match((await refusal(() => agency('http://mixed.test/'))).message, /mixed\.test resolves to 10\.9\.9\.9/, 'one refused address of several refuses the host');
  });

  test('a redirect is an error naming the URL and is not followed', async () => {
    const agency = outboundClient({ policy: agencyNetworkPolicy(), resolver });
    const before = server.requests.length;
    const error = await refusal(() => agency(`${server.url}/redirect`));
    assert.match(error.message, new RegExp(`${server.url}/redirect: it answered 302, a redirect to http://169\\.254\\.169\\.254/`));
    assert.equal(server.requests.length, before + 1, 'only the first request was sent');
  });

  test('an answer larger than the limit, or slower than the time limit, fails', async () => {
    const small = outboundClient({ policy: agencyNetworkPolicy(), maxResponseBytes: 1000, timeoutMs: 300 });
    assert.match((await refusal(() => small(`${server.url}/big`))).message, /larger than 1000 bytes/);
    const late = await small(`${server.url}/slow`).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.equal(late?.name, 'TimeoutError');
  });

  test('the metadata addresses pass only an allowlist entry naming exactly them', () => {
    assert.match(refusalOf('169.254.169.254', { allow: 'any' }) ?? '', /cloud metadata/);
    assert.match(refusalOf('fd00:ec2::254', agencyNetworkPolicy()) ?? '', /cloud metadata/);
    assert.equal(refusalOf('169.254.169.254', agencyNetworkPolicy(['169.254.169.254'])), undefined);
    assert.equal(refusalOf('10.0.0.1', { allow: 'any' }), undefined);
    assert.equal(refusalOf('93.184.216.34', PUBLIC_ONLY), undefined);
    assert.equal(refusalOf('2606:4700::1111', PUBLIC_ONLY), undefined);
  });
});
