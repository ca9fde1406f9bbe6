// The signing and cookie keys muster keeps in its store are sealed: a dump of every text and JSON column, after a
// start, after an OP signed ID tokens to a real relying party (openid-client), and after an upgrade from a store
// that held them in the clear, shows no private JWK and no unencrypted PEM key; a wrong passphrase refuses the start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { isSealed } from '../../src/core/key-vault.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { federationSigningKey } from '../../src/federation/federation-keys.ts';
import { newSigningJwks } from '../../src/federation/signing-keys.ts';
import { identityByKey } from '../../src/lifecycle/test-fixtures.ts';
import { cookieKeys } from '../../src/protocols/oidc/cookie-keys.ts';
import { currentJwks } from '../../src/protocols/oidc/keys.ts';
import { browse, startTestOp, testCredential, type TestOp } from '../../src/protocols/oidc/test-support.ts';
import { transmitterJwks } from '../../src/protocols/ssf/keys.ts';
import { startMuster } from '../../src/runtime/context.ts';
import type { Store } from '../../src/store/store.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { dumpStore, privateKeysInClear } from '../support/store-dump.ts';
import { describeEachStore } from '../support/stores.ts';

const PASSPHRASE = 'the passphrase of the test agency';
const configWith = (passphrase: string) => loadConfig({ env: {}, overrides: { dataDir: ':memory:', pki: { keyPassphrase: passphrase } } });

async function plaintextKeys(store: Store, at: Date): Promise<{ kid: string; privateJwk: JWK; cookies: string[] }> {
  const key = await newSigningJwks('RS256');
  await store.query('INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)', [
    key.kid,
    'oidc',
    'RS256',
    key.privateJwk,
    key.publicJwk,
    at,
  ]);
  const cookies = ['a cookie key from before sealing'];
  await store.query('INSERT INTO settings (key, value) VALUES ($1, $2)', ['oidc.cookie-keys', JSON.stringify(cookies)]);
  return { kid: key.kid, privateJwk: key.privateJwk, cookies };
}

describeEachStore('signing and cookie keys at rest', (factory) => {
  test('a store from before sealing is sealed at the next start, once and audited, and its keys still sign', async () => {
    const store = await factory.open();
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    try {
      const before = await plaintextKeys(store, clock.now());
      assert.equal(privateKeysInClear(await dumpStore(store)).length, 1, 'the old store holds the key in the clear');
      const ctx = await startMuster(configWith(PASSPHRASE), { store, clock });
      await ctx.ca();
      assert.deepEqual(privateKeysInClear(await dumpStore(store)), [], 'no key in the clear, the CA keys (encrypted PEM) included');
      const [row] = await store.query<{ private_jwk: unknown }>('SELECT private_jwk FROM federation_keys WHERE kid = $1', [before.kid]);
      assert.ok(isSealed(row?.private_jwk));
      const jwks = await currentJwks(store, ctx.keyVault, clock);
      assert.deepEqual(jwks.keys[0], before.privateJwk, 'the same key, opened in memory');
      assert.deepEqual(await cookieKeys(store, ctx.keyVault), before.cookies);
      await startMuster(configWith(PASSPHRASE), { store, clock });
      const audited = await store.query<{ actor: string; data: { sealed: string[]; custody: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'keys.sealed'`);
      assert.equal(audited.length, 1, 'sealed once: the second start finds nothing in the clear');
      assert.deepEqual(audited[0]?.data, { sealed: [`federation_keys:${before.kid}`, 'settings:oidc.cookie-keys'], custody: 'passphrase' });
      assert.equal(audited[0]?.actor, 'muster');
    } finally {
      await store.close();
    }
  });

  test('a wrong passphrase refuses the start, naming the key it cannot open and the setting', async () => {
    const store = await factory.open();
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    try {
      await plaintextKeys(store, clock.now());
      await startMuster(configWith(PASSPHRASE), { store, clock });
      await assert.rejects(startMuster(configWith('not the passphrase it was sealed with'), { store, clock }), (error: Error & { code?: string; details?: { key?: string }[] }) => {
        assert.equal(error.code, 'MUSTER_ERR_PKI_KEY');
        assert.match(error.message, /cannot open the sealed key at federation_keys:.*the key passphrase is not the one it was sealed with/);
        assert.equal(error.details?.[0]?.key, 'pki.keyPassphrase');
        return true;
      });
    } finally {
      await store.close();
    }
  });

  test('a sealed key copied to another row does not open', async () => {
    const store = await factory.open();
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    try {
      const ctx = await startMuster(configWith(PASSPHRASE), { store, clock });
      await currentJwks(store, ctx.keyVault, clock);
      await federationSigningKey(store, ctx.keyVault, clock);
      await store.query(
        'INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at) SELECT $1, purpose, alg, private_jwk, public_jwk, created_at FROM federation_keys WHERE purpose = $2',
        ['copied', 'federation'],
      );
      await assert.rejects(startMuster(configWith(PASSPHRASE), { store, clock }), /the sealed key at federation_keys:copied does not open/);
    } finally {
      await store.close();
    }
  });
});

describeEachStore('an OP whose keys are sealed', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let op: TestOp;
  let rpKey: CryptoKey;
  let rpJwk: JWK;
  let identityId = '';
  let card = '';

  before(async () => {
    h.clock.set(new Date());
    op = await startTestOp(h);
    const pair = await generateKeyPair('RS256', { extractable: true });
    rpKey = pair.privateKey;
    rpJwk = { ...(await exportJWK(pair.publicKey)), kid: 'rp-key', alg: 'RS256', use: 'sig' };
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    identityId = (await identityByKey(h.store, 'employee_id', 'E1')).id;
    card = await testCredential(h, identityId);
    await new AgreementService(h).save(
      'apps',
      {
        name: 'sealed keys',
        population: { agencyCodes: ['9700'] },
        idp: { issuer: op.issuer, home: true },
        attributes: [],
        relyingParties: [{ clientId: 'rp-sealed', name: 'rp-sealed', redirectUris: ['http://127.0.0.1/rp-sealed/cb'], jwks: { keys: [rpJwk] }, fal: 'fal2' }],
        assurance: { fal: { min: 'fal1', max: 'fal3' } },
      },
      'admin',
      'test',
    );
  });

  after(async () => {
    await op?.close();
  });

  test('ID tokens verify against the JWKS, cookies carry the sign-in, and the dump of every table holds no private key', async () => {
    const config = await client.discovery(new URL(op.issuer), 'rp-sealed', {}, client.PrivateKeyJwt(rpKey), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    op.next = { identityId, credentialId: card };
    const redirect = 'http://127.0.0.1/rp-sealed/cb';
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    });
    const callback = await browse(url, (u) => u.href.startsWith(redirect));
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce });
    assert.equal(tokens.claims()?.aud, 'rp-sealed', 'openid-client checked the ID token signature against the jwks_uri');
    await federationSigningKey(h.store, h.keyVault, h.clock);
    await transmitterJwks(h.store, h.keyVault, h.clock.now());
    const purposes = await h.store.query<{ purpose: string }>('SELECT DISTINCT purpose FROM federation_keys ORDER BY purpose');
    assert.deepEqual(
      purposes.map((p) => p.purpose),
      ['federation', 'oidc', 'ssf'],
    );
    const dump = await dumpStore(h.store);
    assert.ok(
      dump.some((line) => line.startsWith('oidc_payloads.payload')),
      'the OP stored its sessions and grants',
    );
    assert.deepEqual(privateKeysInClear(dump), []);
  });
});
