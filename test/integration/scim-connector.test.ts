// What the contract cannot see: the SCIM connector against the SCIMMY service (OAuth, outages, ETags, paging, load).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { targetSchema } from '../../src/config/targets-schema.ts';
import type { AccountSpec, RemoteAccount } from '../../src/connectors/accounts/port.ts';
import { ScimConnector, type ScimOptions } from '../../src/connectors/accounts/scim/index.ts';
import { type OutboundFetch, agencyFetch } from '../../src/connectors/outbound/index.ts';
import { isMusterError, type MusterError, type MusterErrorCode } from '../../src/core/errors.ts';
import { startScimService, type ScimService, type ScimServiceOptions } from '../support/scim-service.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function spec(key = `u${randomUUID().slice(0, 12)}`): AccountSpec {
  return { key, correlationId: randomUUID(), enabled: true, fields: { displayName: `Pat ${key}`, familyName: 'Lee', email: `${key}@agency.example`, department: 'Budget' } };
}

function failsWith(code: MusterErrorCode, check: (e: MusterError) => void = () => {}): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(isMusterError(error, code), `expected ${code}, got ${String(error)}`);
    check(error);
    return true;
  };
}

function detail(error: MusterError, field: string): string | undefined {
  return error.details.find((d) => d.field === field)?.value;
}

function bearer(service: ScimService, extra: Partial<ScimOptions> = {}): ScimConnector {
  return new ScimConnector('app', { baseUrl: service.baseUrl, auth: { type: 'bearer', token: service.token }, timeoutMs: 5000, ...extra });
}

async function listAll(connector: ScimConnector, pageSize: number): Promise<RemoteAccount[][]> {
  const pages: RemoteAccount[][] = [];
  for await (const page of connector.listAccounts(pageSize)) pages.push([...page]);
  return pages;
}

function count(service: ScimService, request: string): number {
  return service.requests.filter((r) => r === request).length;
}

async function withService(options: ScimServiceOptions, work: (service: ScimService) => Promise<void>): Promise<void> {
  const service = await startScimService(options);
  try {
    await work(service);
  } finally {
    await service.stop();
  }
}

describe('SCIM connector against the SCIMMY service', () => {
  let service: ScimService;
  let connector: ScimConnector;
  before(async () => {
    service = await startScimService();
    connector = bearer(service);
  });
  after(async () => {
    await connector?.close();
    await service?.stop();
  });

  it('takes the scim target configuration as its options', () => {
    const parsed = targetSchema.parse({ kind: 'scim', baseUrl: service.baseUrl, auth: { type: 'bearer', token: service.token } });
    assert.equal(parsed.kind, 'scim');
    const { kind: _kind, ...options } = parsed;
    const configured = new ScimConnector('configured', options);
    assert.equal(configured.kind, 'scim');
  });

  it('learns from the ServiceProviderConfig that the service keeps ETags', async () => {
    const fresh = bearer(service);
    assert.equal(fresh.capabilities.etags, false, 'unknown until discovered');
    assert.equal((await fresh.discover()).etags, true);
    assert.equal(fresh.capabilities.etags, true);
    assert.deepEqual({ ...fresh.capabilities, etags: false }, { list: true, groups: true, delete: true, etags: false, deferred: false });
  });

  it('round-trips the enterprise department and writes the User schema muster promises', async () => {
    const s = spec();
    const { id } = await connector.createAccount(s);
    const stored = service.users().find((u) => u.id === id);
    assert.ok(stored);
    assert.equal(stored.userName, s.key);
    assert.equal(stored.externalId, s.correlationId);
    assert.deepEqual(stored[ENTERPRISE], { department: 'Budget' });
    assert.deepEqual(stored.emails, [{ value: s.fields.email, type: 'work', primary: true }]);
    await connector.updateAccount(id, { department: 'Accounting', givenName: 'Patricia' });
    const found = await connector.findAccount(s.key);
    assert.equal(found?.fields.department, 'Accounting');
    assert.equal(found?.fields.givenName, 'Patricia');
    assert.equal(found?.fields.familyName, 'Lee');
    assert.deepEqual(service.users().find((u) => u.id === id)?.name, { familyName: 'Lee', givenName: 'Patricia' });
  });

  it('updates conditionally: a change by someone else in between is read again and the update retried', async () => {
    const s = spec();
    const { id } = await connector.createAccount(s);
    const plainFetch = agencyFetch();
    let interfered = false;
    const interfering: OutboundFetch = async (input, init) => {
      if (!interfered && init?.method === 'PATCH' && String(input).endsWith(`/Users/${id}`)) {
        interfered = true;
        assert.match(new Headers(init.headers).get('if-match') ?? '', /^W\/"\d+"$/);
        const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Elsewhere' }] });
        await plainFetch(String(input), { method: 'PATCH', headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/scim+json' }, body });
      }
      return plainFetch(input, init);
    };
    const meddled = bearer(service, { outbound: interfering });
    await meddled.discover();
    await meddled.updateAccount(id, { title: 'Director' });
    assert.ok(interfered);
    assert.equal((await connector.findAccount(s.key))?.fields.title, 'Director');
    assert.equal(count(service, `PATCH /scim/v2/Users/${id}`), 3, 'the interfering change, the refused one and the retry');
  });

  it('renames by a PATCH of userName: the same User (id, externalId, groups), the old userName free for another', async () => {
    const s = spec();
    const { id } = await connector.createAccount(s);
    await connector.addMember('renamers', id);
    const key = `r${randomUUID().slice(0, 12)}`;
    assert.deepEqual(await connector.renameAccount(id, key), { id });
    assert.equal(count(service, `PATCH /scim/v2/Users/${id}`), 1);
    const stored = service.users().find((u) => u.id === id);
    assert.deepEqual([stored?.userName, stored?.externalId], [key, s.correlationId]);
    assert.deepEqual((await connector.findAccount(key))?.groups, ['renamers']);
    const other = await connector.createAccount({ ...spec(s.key), correlationId: randomUUID() });
    assert.notEqual(other.id, id, 'the old userName is free');
    await assert.rejects(
      connector.renameAccount(other.id, key.toUpperCase()),
      failsWith('MUSTER_ERR_TARGET_CONFLICT', (e) => assert.equal(detail(e, 'scimType'), 'uniqueness')),
    );
  });

  it('finds a key with quotes and backslashes (escaped in the filter)', async () => {
    const s = spec(`o"brien\\${randomUUID().slice(0, 6)}`);
    const { id } = await connector.createAccount(s);
    assert.equal((await connector.findAccount(s.key))?.id, id);
  });

  it('pages over 250 accounts 100 at a time', async () => {
    await withService({}, async (paged) => {
      const c = bearer(paged);
      await Promise.all(Array.from({ length: 250 }, () => c.createAccount(spec())));
      const pages = await listAll(c, 100);
      assert.deepEqual(
        pages.map((p) => p.length),
        [100, 100, 50],
      );
      assert.equal(new Set(pages.flat().map((a) => a.id)).size, 250);
      assert.equal(count(paged, 'GET /scim/v2/Users'), 3);
      assert.ok(pages.flat().every((a) => a.fields.department === 'Budget' && a.correlationId));
    });
  });

  it('creates and disables 200 accounts in parallel', async () => {
    await withService({}, async (busy) => {
      const c = bearer(busy, { concurrency: 16 });
      const ids = await Promise.all(Array.from({ length: 200 }, () => c.createAccount(spec()).then((r) => r.id)));
      await Promise.all(ids.map((id) => c.disableAccount(id)));
      const users = busy.users();
      assert.equal(users.length, 200);
      assert.ok(users.every((u) => u.active === false));
    });
  });

  it('names an unknown account NOT_FOUND on update, disable, enable and addMember', async () => {
    const id = randomUUID();
    for (const call of [() => connector.updateAccount(id, { title: 'x' }), () => connector.disableAccount(id), () => connector.enableAccount(id), () => connector.addMember('staff', id)]) {
      await assert.rejects(
        call(),
        failsWith('MUSTER_ERR_NOT_FOUND', (e) => assert.equal(detail(e, 'id'), id)),
      );
    }
  });

  it('carries the SCIM error of a refusal in the details', async () => {
    await assert.rejects(
      connector.createAccount(spec('')),
      failsWith('MUSTER_ERR_TARGET_REFUSED', (e) => {
        assert.equal(detail(e, 'status'), '400');
        assert.equal(detail(e, 'scimType'), 'invalidValue');
        assert.match(detail(e, 'detail') ?? '', /userName/);
      }),
    );
  });

  it('refuses with a wrong token', async () => {
    const wrong = new ScimConnector('app', { baseUrl: service.baseUrl, auth: { type: 'bearer', token: 'not-the-token' } });
    await assert.rejects(
      wrong.findAccount('anyone'),
      failsWith('MUSTER_ERR_TARGET_REFUSED', (e) => assert.equal(detail(e, 'status'), '401')),
    );
  });

  it('is unavailable while the service is down (with its Retry-After), and works once it is back', async () => {
    const s = spec();
    const { id } = await connector.createAccount(s);
    service.setDown(true);
    try {
      await assert.rejects(
        connector.disableAccount(id),
        failsWith('MUSTER_ERR_TARGET_UNAVAILABLE', (e) => {
          assert.equal(detail(e, 'status'), '503');
          assert.equal(detail(e, 'retryAfter'), '1');
        }),
      );
    } finally {
      service.setDown(false);
    }
    await connector.disableAccount(id);
    assert.equal((await connector.findAccount(s.key))?.enabled, false);
  });

  it('is unavailable when nothing listens or the service does not answer in time', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const slow = new ScimConnector('slow', { baseUrl: `http://127.0.0.1:${port}/scim/v2`, auth: { type: 'bearer', token: 't' }, timeoutMs: 200 });
      await assert.rejects(
        slow.findAccount('x'),
        failsWith('MUSTER_ERR_TARGET_UNAVAILABLE', (e) => assert.match(e.message, /timed out/)),
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    const gone = new ScimConnector('gone', { baseUrl: `http://127.0.0.1:${port}/scim/v2`, auth: { type: 'bearer', token: 't' } });
    await assert.rejects(
      gone.findAccount('x'),
      failsWith('MUSTER_ERR_TARGET_UNAVAILABLE', (e) => assert.match(e.message, /ECONNREFUSED/)),
    );
  });

  it("asks /Groups for an account's groups when the service leaves them off its Users", async () => {
    await withService({ groupsOnUsers: false }, async (bare) => {
      const c = bearer(bare);
      const a = spec();
      const { id } = await c.createAccount(a);
      await c.createAccount(spec());
      await c.addMember('readers', id);
      await c.addMember('writers', id);
      assert.deepEqual((await c.findAccount(a.key))?.groups, ['readers', 'writers']);
      const before = count(bare, 'GET /scim/v2/Groups');
      const listed = (await listAll(c, 1)).flat();
      assert.deepEqual(listed.find((x) => x.id === id)?.groups, ['readers', 'writers']);
      assert.equal(listed.length, 2);
      assert.equal(count(bare, 'GET /scim/v2/Groups') - before, 1, 'one pass over the groups for the whole listing');
    });
  });

  it('removes a member only from the named group', async () => {
    const { id } = await connector.createAccount(spec());
    await connector.addMember('alpha', id);
    await connector.addMember('beta', id);
    await connector.removeMember('alpha', id);
    await connector.removeMember('alpha', id);
    const found = (await listAll(connector, 500)).flat().find((a) => a.id === id);
    assert.deepEqual(found?.groups, ['beta']);
    assert.deepEqual(
      (await connector.listEntitlements()).filter((g) => g === 'alpha' || g === 'beta'),
      ['alpha', 'beta'],
    );
  });
});

describe('SCIM connector with OAuth 2.0 client credentials', () => {
  const client = { clientId: 'muster', clientSecret: 'pa ss:wörd' };
  let service: ScimService;
  before(async () => {
    service = await startScimService({ oauth: client });
  });
  after(async () => service?.stop());

  function oauth(secret = client.clientSecret): ScimConnector {
    return new ScimConnector('app', { baseUrl: service.baseUrl, auth: { type: 'oauth', tokenUrl: String(service.tokenUrl), clientId: client.clientId, clientSecret: secret, scope: 'scim' } });
  }

  it('fetches one token and reuses it across calls, also when they run at once', async () => {
    const c = oauth();
    const before = count(service, 'POST /oauth/token');
    const ids = await Promise.all(Array.from({ length: 20 }, () => c.createAccount(spec()).then((r) => r.id)));
    await Promise.all(ids.map((id) => c.disableAccount(id)));
    assert.ok(await c.findAccount(service.users()[0]?.userName ?? ''));
    assert.equal(count(service, 'POST /oauth/token') - before, 1);
  });

  it('fetches a new token once when the service refuses the cached one', async () => {
    const c = oauth();
    const s = spec();
    await c.createAccount(s);
    const before = count(service, 'POST /oauth/token');
    service.revokeTokens();
    assert.equal((await c.findAccount(s.key))?.key, s.key);
    await c.findAccount(s.key);
    assert.equal(count(service, 'POST /oauth/token') - before, 1);
  });

  it('refuses with wrong client credentials, naming the OAuth error', async () => {
    await assert.rejects(
      oauth('wrong').findAccount('x'),
      failsWith('MUSTER_ERR_TARGET_REFUSED', (e) => {
        assert.equal(detail(e, 'status'), '401');
        assert.equal(detail(e, 'scimType'), 'invalid_client');
      }),
    );
  });

  it('fetches a new token shortly before the cached one expires', async () => {
    await withService({ oauth: { ...client, expiresIn: 2 } }, async (brief) => {
      const c = new ScimConnector('app', { baseUrl: brief.baseUrl, auth: { type: 'oauth', tokenUrl: String(brief.tokenUrl), ...client } });
      await c.findAccount('x');
      await c.findAccount('x');
      assert.equal(count(brief, 'POST /oauth/token'), 1);
      await new Promise((resolve) => setTimeout(resolve, 1900));
      await c.findAccount('x');
      assert.equal(count(brief, 'POST /oauth/token'), 2);
      assert.equal(count(brief, 'GET /scim/v2/Users'), 3, 'no request was refused on the way');
    });
  });

  it('does not accept the static bearer token of another service', async () => {
    const c = new ScimConnector('app', { baseUrl: service.baseUrl, auth: { type: 'bearer', token: 'guess' } });
    await assert.rejects(c.findAccount('x'), failsWith('MUSTER_ERR_TARGET_REFUSED'));
  });
});

describe('SCIM connector with /Bulk', () => {
  it('sends the User PATCHes and DELETEs made at once in /Bulk requests within maxOperations, each answered on its own', async () => {
    await withService({ bulk: { maxOperations: 3, maxPayloadSize: 1_048_576 } }, async (service) => {
      const connector = bearer(service, { concurrency: 2 });
      try {
        const ids = await Promise.all(Array.from({ length: 7 }, async () => (await connector.createAccount(spec())).id));
        assert.equal((await connector.discover()).callsPerRequest, 3);
        const missing = randomUUID();
        const outcomes = await Promise.allSettled([...ids.slice(0, 6).map((id) => connector.disableAccount(id)), connector.disableAccount(missing), connector.deleteAccount(ids[6] as string)]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
        );
        const refused = outcomes[6] as PromiseRejectedResult;
        assert.ok(failsWith('MUSTER_ERR_NOT_FOUND')(refused.reason));
        assert.equal(
          service.bulkSizes.reduce((a, b) => a + b, 0),
          8,
        );
        assert.ok(
          service.bulkSizes.every((n) => n <= 3),
          `no /Bulk request over maxOperations: ${service.bulkSizes.join(', ')}`,
        );
        assert.deepEqual(
          service.requests.filter((r) => r.startsWith('PATCH ') || r.startsWith('DELETE ')),
          [],
          'no call went alone',
        );
        const users = service.users();
        assert.equal(users.length, 6, 'the deleted account is gone');
        assert.deepEqual(
          users.map((u) => u.active),
          [false, false, false, false, false, false],
        );
      } finally {
        await connector.close();
      }
    });
  });

  it('sends the User POSTs made at once in /Bulk, each with its bulkId (a taken userName a conflict), and the look-ups made at once in one GET', async () => {
    await withService({ bulk: { maxOperations: 10, maxPayloadSize: 1_048_576 } }, async (service) => {
      const connector = bearer(service);
      try {
        await connector.discover();
        const specs = Array.from({ length: 4 }, () => spec());
        const outcomes = await Promise.allSettled([...specs, { ...spec(), key: specs[0]?.key as string }].map((s) => connector.createAccount(s)));
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
        );
        assert.ok(failsWith('MUSTER_ERR_TARGET_CONFLICT')((outcomes[4] as PromiseRejectedResult).reason));
        assert.deepEqual(service.bulkSizes, [5], 'one /Bulk request');
        assert.equal(count(service, 'POST /scim/v2/Users'), 0, 'no POST went alone');
        const byName = new Map(service.users().map((u) => [u.userName, u.id]));
        assert.deepEqual(
          outcomes.slice(0, 4).map((o) => (o as PromiseFulfilledResult<{ id: string }>).value.id),
          specs.map((s) => byName.get(s.key)),
        );
        const gets = service.requests.filter((r) => r === 'GET /scim/v2/Users').length;
        const found = await Promise.all([...specs.map((s) => connector.findAccount(s.key.toUpperCase())), connector.findAccount('nobody')]);
        assert.deepEqual(
          found.map((a) => a?.id ?? null),
          [...specs.map((s) => byName.get(s.key)), null],
          'each look-up answered with its own account, whatever the case of the userName',
        );
        assert.equal(service.requests.filter((r) => r === 'GET /scim/v2/Users').length, gets + 1, 'the look-ups made at once in one GET');
      } finally {
        await connector.close();
      }
    });
  });

  it('keeps each /Bulk request under maxPayloadSize', async () => {
    await withService({ bulk: { maxOperations: 100, maxPayloadSize: 800 } }, async (service) => {
      const connector = bearer(service);
      try {
        const ids = await Promise.all(Array.from({ length: 6 }, async () => (await connector.createAccount(spec())).id));
        await connector.discover();
        await Promise.all(ids.map((id) => connector.disableAccount(id)));
        assert.ok(service.bulkSizes.length >= 2, `split by size: ${service.bulkSizes.join(', ')}`);
        assert.equal(
          service.bulkSizes.reduce((a, b) => a + b, 0),
          6,
        );
        assert.ok(service.users().every((u) => u.active === false));
      } finally {
        await connector.close();
      }
    });
  });

  it('sends each call alone to a service that does not advertise /Bulk', async () => {
    await withService({}, async (service) => {
      const connector = bearer(service);
      try {
        const ids = await Promise.all(Array.from({ length: 3 }, async () => (await connector.createAccount(spec())).id));
        assert.equal((await connector.discover()).callsPerRequest, undefined);
        await Promise.all(ids.map((id) => connector.disableAccount(id)));
        assert.equal(service.requests.filter((r) => r.startsWith('PATCH /scim/v2/Users/')).length, 3);
        assert.deepEqual(service.bulkSizes, []);
      } finally {
        await connector.close();
      }
    });
  });

  it('fails every call of a /Bulk request the service could not answer as unavailable, each retried on its own', async () => {
    await withService({ bulk: { maxOperations: 10, maxPayloadSize: 1_048_576 } }, async (service) => {
      const connector = bearer(service);
      try {
        const ids = await Promise.all(Array.from({ length: 4 }, async () => (await connector.createAccount(spec())).id));
        await connector.discover();
        service.setDown(true);
        const outcomes = await Promise.allSettled(ids.map((id) => connector.disableAccount(id)));
        for (const o of outcomes) assert.ok(o.status === 'rejected' && failsWith('MUSTER_ERR_TARGET_UNAVAILABLE')(o.reason));
        service.setDown(false);
        await Promise.all(ids.map((id) => connector.disableAccount(id)));
        assert.ok(service.users().every((u) => u.active === false));
      } finally {
        await connector.close();
      }
    });
  });
});
