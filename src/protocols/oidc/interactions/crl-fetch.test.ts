import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PUBLIC_ONLY } from '../../../connectors/outbound/index.ts';
import { type CountingServer, countingServer, socketsOpenedDuring } from '../../../connectors/outbound/test-servers.ts';
import { httpCrlFetcherFor } from './crl-cache.ts';

let repository: CountingServer;
before(async () => {
  repository = await countingServer((request, response) => {
    if (request.url === '/moved.crl') response.writeHead(301, { location: 'http://169.254.169.254/' }).end();
    else response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
  });
});
after(() => repository.close());

test('CRLs are fetched from the agency network, never from a metadata address, and not through a redirect', async () => {
  assert.deepEqual([...(await httpCrlFetcherFor()(`${repository.url}/ca.crl`))], [0x30, 0x03, 0x02, 0x01, 0x01]);
  await assert.rejects(httpCrlFetcherFor()(`${repository.url}/moved.crl`), /a redirect to http:\/\/169\.254\.169\.254\//);
  const opened = await socketsOpenedDuring(async () => {
    await assert.rejects(httpCrlFetcherFor()('http://169.254.169.254/latest/meta-data/'), /169\.254\.169\.254, a cloud metadata \(link-local\) address/);
    await assert.rejects(httpCrlFetcherFor(PUBLIC_ONLY)(`${repository.url}/ca.crl`), /127\.0\.0\.1, a loopback address/);
  });
  assert.equal(opened, 0);
});
