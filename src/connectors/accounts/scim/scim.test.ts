import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isMusterError, type MusterError } from '../../../core/errors.ts';
import { ScimClient } from './client.ts';
import { ScimConnector } from './connector.ts';
import { Gate } from './gate.ts';
import { accountFields, ENTERPRISE_USER, filterString, remoteAccount, replaceOperations, userResource } from './mapping.ts';
import { pages } from './paging.ts';

describe('SCIM mapping', () => {
  it('escapes quotes and backslashes in filter strings', () => {
    assert.equal(filterString('o"brien\\x'), '"o\\"brien\\\\x"');
  });

  it('writes only the fields given, and the enterprise extension only with a department', () => {
    const bare = userResource({ key: 'pat', correlationId: 'c1', enabled: false, fields: { email: 'p@a.example' } });
    assert.deepEqual(JSON.parse(JSON.stringify(bare)), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'pat',
      externalId: 'c1',
      active: false,
      emails: [{ value: 'p@a.example', type: 'work', primary: true }],
    });
    const full = userResource({ key: 'pat', correlationId: 'c1', enabled: true, fields: { givenName: 'Pat', department: 'Budget' } });
    assert.deepEqual(full.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER]);
    assert.deepEqual(full.name, { givenName: 'Pat', familyName: undefined });
    assert.deepEqual(full[ENTERPRISE_USER], { department: 'Budget' });
  });

  it('replaces the given fields only, and removes emptied ones', () => {
    assert.deepEqual(replaceOperations({ title: 'Chief', email: 'c@a.example', department: '' }), [
      { op: 'replace', path: 'emails', value: [{ value: 'c@a.example', type: 'work', primary: true }] },
      { op: 'replace', path: 'title', value: 'Chief' },
      { op: 'remove', path: `${ENTERPRISE_USER}:department` },
    ]);
    assert.deepEqual(replaceOperations({}), []);
  });

  it('reads the primary address, else the work address, else the first', () => {
    assert.equal(accountFields({ emails: [{ value: 'a' }, { value: 'b', primary: true }] }).email, 'b');
    assert.equal(
      accountFields({
        emails: [
          { value: 'a', type: 'home' },
          { value: 'b', type: 'work' },
        ],
      }).email,
      'b',
    );
    assert.equal(accountFields({ emails: [{ value: 'a', type: 'home' }] }).email, 'a');
    assert.deepEqual(accountFields({}), {});
  });

  it('takes a User without `active` as enabled and without externalId as uncorrelated', () => {
    const account = remoteAccount({ id: '7', userName: 'pat' }, []);
    assert.equal(account.enabled, true);
    assert.equal(account.correlationId, null);
  });
});

describe('Gate', () => {
  it('runs at most its limit at once', async () => {
    const gate = new Gate(3);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        gate.run(async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running--;
        }),
      ),
    );
    assert.equal(most, 3);
  });
});

type Answer = (req: IncomingMessage, url: URL) => { status: number; body?: unknown; headers?: Record<string, string> };

/** A stand-in service whose answers each test writes. */
function fakeService(): { baseUrl: () => string; answer: (a: Answer) => void; start: () => Promise<void>; stop: () => Promise<void> } {
  let answer: Answer = () => ({ status: 404 });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = answer(req, new URL(req.url ?? '/', 'http://x'));
    res.writeHead(reply.status, { 'content-type': 'application/scim+json', ...reply.headers });
    res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  });
  return {
    baseUrl: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/`,
    answer: (a) => {
      answer = a;
    },
    start: () => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function userList(from: number, to: number, total?: number): unknown {
  const Resources = Array.from({ length: to - from }, (_, i) => ({ id: String(from + i), userName: `u${from + i}` }));
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], Resources, ...(total === undefined ? {} : { totalResults: total }) };
}

describe('SCIM client against a stand-in service', () => {
  const fake = fakeService();
  let client: ScimClient;
  before(async () => {
    await fake.start();
    client = new ScimClient('fake', { baseUrl: fake.baseUrl(), auth: { type: 'bearer', token: 't' }, timeoutMs: 2000 });
  });
  after(() => fake.stop());

  async function collect(pageSize: number): Promise<number[]> {
    const sizes: number[] = [];
    for await (const page of pages(client, '/Users', {}, pageSize)) sizes.push(page.length);
    return sizes;
  }

  it('cuts an answer larger than asked into pages', async () => {
    fake.answer(() => ({ status: 200, body: userList(0, 5, 5) }));
    assert.deepEqual(await collect(2), [2, 2, 1]);
  });

  it('asks on when the service gives fewer than asked but not all', async () => {
    const asked: string[] = [];
    fake.answer((_, url) => {
      const start = Number(url.searchParams.get('startIndex'));
      asked.push(`${start}/${url.searchParams.get('count')}`);
      return { status: 200, body: userList(start - 1, Math.min(start + 1, 5), 5) };
    });
    assert.deepEqual(await collect(10), [2, 2, 1]);
    assert.deepEqual(asked, ['1/10', '3/10', '5/10']);
  });

  it('stops on a short page when the service gives no total', async () => {
    let calls = 0;
    fake.answer((_, url) => {
      calls++;
      const start = Number(url.searchParams.get('startIndex'));
      return { status: 200, body: userList(start - 1, Math.min(start + 1, 3)) };
    });
    assert.deepEqual(await collect(2), [2, 1]);
    assert.equal(calls, 2);
  });

  it('takes 429 and 5xx as unavailable with Retry-After, and other refusals as refused', async () => {
    const failure = async (status: number, body: unknown, headers: Record<string, string> = {}): Promise<MusterError> => {
      fake.answer(() => ({ status, body, headers }));
      const error = await client.request('GET', '/Users').then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(isMusterError(error));
      return error;
    };
    const busy = await failure(429, { status: '429', detail: 'slow down' }, { 'retry-after': '30' });
    assert.equal(busy.code, 'MUSTER_ERR_TARGET_UNAVAILABLE');
    assert.equal(busy.details.find((d) => d.field === 'retryAfter')?.value, '30');
    const proxy = await failure(502, '<html>bad gateway</html>');
    assert.equal(proxy.code, 'MUSTER_ERR_TARGET_UNAVAILABLE');
    assert.equal(proxy.details.find((d) => d.field === 'detail')?.value, '<html>bad gateway</html>');
    const forbidden = await failure(403, { status: '403', detail: 'no scope' });
    assert.equal(forbidden.code, 'MUSTER_ERR_TARGET_REFUSED');
  });

  it('takes a service without ServiceProviderConfig as keeping no ETags', async () => {
    fake.answer(() => ({ status: 404, body: { status: '404' } }));
    const connector = new ScimConnector('fake', { baseUrl: fake.baseUrl(), auth: { type: 'bearer', token: 't' } });
    assert.equal((await connector.discover()).etags, false);
  });

  it('succeeds in removing a non-member from a service that answers noTarget', async () => {
    fake.answer((req) => {
      if (req.method === 'GET') return { status: 200, body: { Resources: [{ id: 'g1', displayName: 'staff' }], totalResults: 1 } };
      return { status: 400, body: { status: '400', scimType: 'noTarget', detail: 'no such member' } };
    });
    const connector = new ScimConnector('fake', { baseUrl: fake.baseUrl(), auth: { type: 'bearer', token: 't' } });
    await connector.removeMember('staff', 'u9');
  });

  it('fails as unavailable once closed', async () => {
    const closing = new ScimClient('fake', { baseUrl: fake.baseUrl(), auth: { type: 'bearer', token: 't' } });
    closing.close();
    await assert.rejects(closing.request('GET', '/Users'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_TARGET_UNAVAILABLE'));
  });
});
