import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isMusterError } from '../../../core/errors.ts';
import { agencyFetch } from '../../outbound/index.ts';
import { type CountingServer, countingServer, socketsOpenedDuring } from '../../outbound/test-servers.ts';
import { postSigned } from './post.ts';

describe('signed POSTs to a ticket endpoint through the outbound guard', () => {
  let itsm: CountingServer;
  before(async () => {
    itsm = await countingServer((request, response) => {
      if (request.url === '/moved') response.writeHead(307, { location: 'http://169.254.169.254/latest/api/token' }).end();
      else response.writeHead(202).end();
    });
  });
  after(() => itsm.close());
  const to = (url: string, fetch = agencyFetch()) => ({ target: 'itsm', url, secret: 's3cret', timeoutMs: 2000, fetch });

  test('reaches a loopback endpoint under the default agency ranges', async () => {
    await postSigned(to(`${itsm.url}/tickets`), { op: 'create' }, 'create a');
    assert.equal(itsm.requests.at(-1)?.path, '/tickets');
  });

  test('a redirect is refused, naming the URL, and not followed', async () => {
    const before = itsm.requests.length;
    const error = await postSigned(to(`${itsm.url}/moved`), { op: 'create' }, 'create b').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isMusterError(error));
    assert.equal(error.code, 'MUSTER_ERR_TARGET_REFUSED');
    assert.match(error.message, /moved: it answered 307, a redirect to http:\/\/169\.254\.169\.254/);
    assert.equal(itsm.requests.length, before + 1);
  });

  test('an endpoint resolving to a metadata or link-local address is refused without a connection', async () => {
    const resolver = async (host: string) => [{ address: host === 'itsm.test' ? '169.254.169.254' : 'fe80::1', family: host === 'itsm.test' ? 4 : 6 }];
    const guarded = agencyFetch({ resolver });
    let errors: unknown[] = [];
    const opened = await socketsOpenedDuring(async () => {
      errors = await Promise.all(
        ['https://itsm.test/tickets', 'https://link.test/tickets'].map((url) =>
          postSigned(to(url, guarded), {}, 'create c').then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
    });
    assert.equal(opened, 0);
    assert.match(String((errors[0] as Error).message), /itsm\.test resolves to 169\.254\.169\.254, a cloud metadata \(link-local\) address not allowed by outbound\.agencyNetworks/);
    assert.match(String((errors[1] as Error).message), /fe80::1, a link-local address/);
  });
});
