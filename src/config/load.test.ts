import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import { loadConfig } from './load.ts';
import { configSchema } from './schema.ts';

/** Dotted keys of the schema's objects (records of sources shown as `sources.<name>.…`). */
function keysOf(schema: z.ZodType, prefix = ''): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape).flatMap(([key, value]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      const children = keysOf(value as z.ZodType, path);
      return children.length > 0 ? [path, ...children] : [path];
    });
  }
  if (inner instanceof z.ZodRecord) return keysOf(inner.valueType as z.ZodType, `${prefix}.<name>`);
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as any;
  while (current?.def?.innerType) current = current.def.innerType;
  return current;
}

test('docs/config.md lists every configuration key', () => {
  const docs = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const keys = keysOf(configSchema).filter((k) => !['server', 'agency', 'audit', 'import', 'correlation', 'workers'].includes(k));
  for (const key of keys) assert.ok(docs.includes(`\`${key}\``), `docs/config.md does not describe ${key}`);
  assert.ok(keys.length >= 20, `only ${keys.length} keys found`);
});

test('unknown keys, unknown MUSTER_ variables and bad values are refused, each named with its key', () => {
  assert.throws(
    () => loadConfig({ env: { MUSTER_PROT: '1', MUSTER_PORT: 'eighty' }, overrides: { server: { bogus: 1 }, import: { massChangeShare: 2 } } }),
    (e: any) => {
      const keys = e.details.map((d: { key: string }) => d.key).sort();
      assert.equal(e.code, 'MUSTER_ERR_CONFIG');
      assert.deepEqual(keys, ['MUSTER_PROT', 'import.massChangeShare', 'server.bogus', 'server.port']);
      return true;
    },
  );
});

test('the file, then the environment, then flags', () => {
  const config = loadConfig({ env: { MUSTER_PORT: '9000', DATABASE_URL: 'postgres://x@h/db' }, overrides: { server: { host: '0.0.0.0' } } });
  assert.equal(config.server.port, 9000);
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.databaseUrl, 'postgres://x@h/db');
  assert.equal(config.import.massChangeShare, 0.05);
  assert.deepEqual(Object.keys(config.sources).sort(), ['hr', 'npe', 'training', 'vetting']);
});

test('the OP issuer is resolved once: federation.oidc.issuer (trailing / dropped), MUSTER_ISSUER, else from server.host and server.port', () => {
  assert.equal(loadConfig({ env: {} }).federation.oidc.issuer, 'http://127.0.0.1:8080/oidc');
  assert.equal(loadConfig({ env: { MUSTER_PORT: '9000' }, overrides: { server: { host: '::1' } } }).federation.oidc.issuer, 'http://[::1]:9000/oidc');
  assert.equal(loadConfig({ env: {}, overrides: { federation: { oidc: { issuer: 'https://idp.agency.example/oidc/' } } } }).federation.oidc.issuer, 'https://idp.agency.example/oidc');
  assert.equal(loadConfig({ env: { MUSTER_ISSUER: 'https://sso.agency.example' } }).federation.oidc.issuer, 'https://sso.agency.example');
  assert.equal(loadConfig({ env: { MUSTER_PORT: '0' } }).federation.oidc.issuer, undefined, 'server.port 0: known only to the server that picks its port');
});

test('an issuer with a query, a fragment, a user name or another scheme is refused at start-up, naming federation.oidc.issuer', () => {
  for (const issuer of ['https://idp.agency.example/oidc?tenant=1', 'https://idp.agency.example/oidc#x', 'https://admin@idp.agency.example/oidc', 'ftp://idp.agency.example/oidc', 'not a url']) {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { federation: { oidc: { issuer } } } }),
      (e: any) => {
        assert.equal(e.code, 'MUSTER_ERR_CONFIG', issuer);
        assert.deepEqual(
          e.details.map((d: { key: string }) => d.key),
          ['federation.oidc.issuer'],
          issuer,
        );
        return true;
      },
    );
  }
});

test("an issuer anywhere: at the host's root, at /oidc or at a deep path, as written", () => {
  for (const issuer of [
    'https://idp.agency.example',
    'https://idp.agency.example/oidc',
    'https://idp.agency.example/a/b/op',
    'http://[::1]:9000/op',
    'https://idp.agency.example/apis',
    'https://idp.agency.example/a/api',
  ]) {
    assert.equal(loadConfig({ env: {}, overrides: { federation: { oidc: { issuer } } } }).federation.oidc.issuer, issuer);
  }
});

test('an issuer whose path muster cannot serve is refused at start-up, naming federation.oidc.issuer and why', () => {
  const refusals: Record<string, RegExp> = {
    'https://x.example/api': /muster's own/,
    'https://x.example/api/oidc': /muster's own/,
    'https://x.example/health': /muster's own/,
    'https://x.example/metrics': /muster's own/,
    'https://x.example/ssf': /muster's own/,
    'https://x.example/.well-known/op': /muster's own/,
    'https://x.example/ocsp': /muster's own/,
    'https://x.example/crl/op': /muster's own/,
    'https://x.example/pki': /muster's own/,
    'https://x.example/hooks': /muster's own/,
    'https://x.example/openapi.json': /muster's own/,
    'https://x.example/a//b': /empty segment/,
    'https://x.example/a/../api': /as .*https:\/\/x\.example\/api/,
    'https://X.EXAMPLE/oidc': /as .*https:\/\/x\.example\/oidc/,
    'https://x.example:443/oidc': /as .*https:\/\/x\.example\/oidc/,
    'https://x.example/a b': /as .*a%20b/,
  };
  for (const [issuer, why] of Object.entries(refusals)) {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { federation: { oidc: { issuer } } } }),
      (e: any) => {
        assert.equal(e.code, 'MUSTER_ERR_CONFIG', issuer);
        assert.deepEqual(
          e.details.map((d: { key: string }) => d.key),
          ['federation.oidc.issuer'],
          issuer,
        );
        assert.match(e.details[0].message, why, issuer);
        return true;
      },
    );
  }
});

test('the OCSP request cache is bounded: 10000 entries by default, and a bound under 1 is refused at start-up', () => {
  assert.equal(loadConfig({ env: {}, overrides: {} }).pki.ocspRequestCacheEntries, 10_000);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { pki: { ocspRequestCacheEntries: 0 } } }),
    (e: any) => e.code === 'MUSTER_ERR_CONFIG' && e.details.some((d: { key: string }) => d.key === 'pki.ocspRequestCacheEntries'),
  );
});

test('operator tokens live 90 days by default, at most 365; a default past the maximum is refused at start-up', () => {
  const config = loadConfig({ env: {} });
  assert.deepEqual(config.admin, { tokens: { defaultDays: 90, maxDays: 365 }, pendingActions: { expiryHours: 24 }, metrics: 'loopback' });
  assert.throws(
    () => loadConfig({ env: {}, overrides: { admin: { tokens: { defaultDays: 100, maxDays: 30 } } } }),
    (e: any) => e.code === 'MUSTER_ERR_CONFIG' && e.details.some((d: { key: string }) => d.key === 'admin.tokens.defaultDays'),
  );
  assert.throws(() => loadConfig({ env: {}, overrides: { admin: { metrics: 'everyone' } } }), /admin\.metrics/);
});

test('server.limits are checked at start-up: timeouts in order, each named with its key', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.server.limits.maxConnectionsPerAddress, 256);
  assert.equal(config.server.limits.rate.perAddress.burst, 2000);
  assert.equal(config.pki.listen, undefined);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { server: { limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 30_000, maxConnections: 0, rate: { perToken: { perSecond: -1 } } } } } }),
    (e: any) => {
      const keys = e.details.map((d: { key: string }) => d.key).sort();
      assert.deepEqual(keys, ['server.limits.headersTimeoutMs', 'server.limits.maxConnections', 'server.limits.rate.perToken.perSecond']);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ env: {}, overrides: { server: { limits: { headersTimeoutMs: 60_000, requestTimeoutMs: 30_000 } } } }),
    (e: any) => {
      assert.deepEqual(
        e.details.map((d: { key: string }) => d.key),
        ['server.limits.headersTimeoutMs'],
      );
      return true;
    },
  );
  assert.equal(loadConfig({ env: {}, overrides: { pki: { listen: { port: 8081 } } } }).pki.listen?.host, '127.0.0.1');
});
