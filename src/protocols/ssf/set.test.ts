import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import jsrsasign from 'jsrsasign';
import { pgliteFactory } from '../../../test/support/stores.ts';
import { SIGNAL_EVENTS } from '../../core/federation/profile.ts';
import { envelopeVault, passphraseKeyWrapper } from '../../pki/vault/index.ts';
import type { Store } from '../../store/store.ts';
import { setSigningKey, transmitterJwks } from './keys.ts';
import { issSub, signSet } from './set.ts';

const ISSUER = 'http://127.0.0.1:8080/oidc';
const NOW = new Date('2026-03-02T09:00:00Z');
const vault = envelopeVault(passphraseKeyWrapper('a passphrase for the SET tests'));

describe('SETs', () => {
  let store: Store;
  let jwt: string;

  before(async () => {
    store = await pgliteFactory.open();
    const key = await store.transaction((tx) => setSigningKey(tx, vault, NOW));
    const payload = { event_timestamp: 1_772_442_000, initiating_entity: 'policy', reason_admin: { en: 'left' } };
    ({ jwt } = await signSet(key, { issuer: ISSUER, audience: 'rp-one', subject: issSub(ISSUER, 'pairwise-1'), event: SIGNAL_EVENTS['account-disabled'], payload, txn: '42', issuedAt: NOW }));
  });
  after(() => store.close());

  it('is explicitly typed secevent+jwt, RS256 with the kid of a published 2048-bit key', async () => {
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.typ, 'secevent+jwt');
    assert.equal(header.alg, 'RS256');
    const { keys } = await transmitterJwks(store, vault, NOW);
    const published = keys.find((k) => k.kid === header.kid);
    assert.ok(published, 'the signing key is in the JWKS');
    assert.equal(Buffer.from(published.n as string, 'base64url').length * 8, 2048);
    assert.equal(published.d, undefined, 'no private part is published');
  });

  it('carries iss, iat, jti, aud, txn, sub_id and exactly one event, and neither sub nor exp', async () => {
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(await transmitterJwks(store, vault, NOW)), { issuer: ISSUER, audience: 'rp-one', typ: 'secevent+jwt', currentDate: NOW });
    assert.equal(payload.sub, undefined);
    assert.equal(payload.exp, undefined);
    assert.equal(payload.iat, Math.floor(NOW.getTime() / 1000));
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.equal(payload.txn, '42');
    assert.deepEqual(payload.sub_id, { format: 'iss_sub', iss: ISSUER, sub: 'pairwise-1' });
    const events = payload.events as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(events), [SIGNAL_EVENTS['account-disabled']]);
    assert.equal(events[SIGNAL_EVENTS['account-disabled']]!.initiating_entity, 'policy');
  });

  it('verifies with an independent JOSE implementation (jsrsasign)', async () => {
    const { keys } = await transmitterJwks(store, vault, NOW);
    const publicKey = jsrsasign.KEYUTIL.getKey(keys[0] as unknown as jsrsasign.RSAKey);
    const at = Math.floor(NOW.getTime() / 1000);
    assert.equal(jsrsasign.KJUR.jws.JWS.verifyJWT(jwt, publicKey as jsrsasign.RSAKey, { alg: ['RS256'], iss: [ISSUER], aud: ['rp-one'], verifyAt: at }), true);
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    assert.equal(jsrsasign.KJUR.jws.JWS.verifyJWT(tampered, publicKey as jsrsasign.RSAKey, { alg: ['RS256'], verifyAt: at }), false);
  });
});
