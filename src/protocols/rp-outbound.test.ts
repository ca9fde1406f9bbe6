import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Resolver } from '../connectors/outbound/index.ts';
import { type CountingServer, countingServer, socketsOpenedDuring } from '../connectors/outbound/test-servers.ts';
import { isMusterError } from '../core/errors.ts';
import { refuseUnreachable, rpFetch } from './rp-outbound.ts';

const resolver: Resolver = async (host) => (host === 'metadata.test' ? [{ address: '169.254.169.254', family: 4 }] : host === 'rp.test' ? [{ address: '127.0.0.1', family: 4 }] : []);

describe('URLs a relying party chose', () => {
  let rp: CountingServer;
  before(async () => {
    rp = await countingServer((_request, response) => response.writeHead(202).end());
  });
  after(() => rp.close());

  test('are refused at loopback unless the agreement allows a private network, and then reached', async () => {
    const opened = await socketsOpenedDuring(async () => {
      await assert.rejects(rpFetch(undefined, { resolver })(`http://rp.test:${rp.port}/events`, { method: 'POST', body: 'set' }), /rp\.test resolves to 127\.0\.0\.1, a loopback address/);
      await assert.rejects(rpFetch({ allowPrivateNetwork: false })(`${rp.url}/events`, { method: 'POST', body: 'set' }), /the host is 127\.0\.0\.1, a loopback address/);
    });
    assert.equal(opened, 0);
    assert.equal(rp.connections(), 0);
    const answer = await rpFetch({ allowPrivateNetwork: true }, { resolver })(`http://rp.test:${rp.port}/events`, { method: 'POST', body: 'set' });
    assert.equal(answer.status, 202);
    assert.deepEqual([rp.requests.at(-1)?.path, rp.requests.at(-1)?.body], ['/events', 'set']);
  });

  test('never reach a metadata address, even with allowPrivateNetwork', async () => {
    await assert.rejects(
      rpFetch({ allowPrivateNetwork: true }, { resolver })('https://metadata.test/latest/meta-data/'),
      /169\.254\.169\.254, a cloud metadata \(link-local\) address not allowed by the agreement's allowPrivateNetwork/,
    );
  });

  test('a push endpoint is refused when it is named, with the field; a name that does not resolve yet is left to each push', async () => {
    const error = await refuseUnreachable('https://metadata.test/events', undefined, 'delivery.endpoint_url', 'MUSTER_ERR_SSF_STREAM', resolver).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isMusterError(error));
    assert.equal(error.code, 'MUSTER_ERR_SSF_STREAM');
    assert.deepEqual(error.details[0]?.field, 'delivery.endpoint_url');
    await refuseUnreachable('https://unknown.test/events', undefined, 'delivery.endpoint_url', 'MUSTER_ERR_SSF_STREAM', resolver);
  });
});
