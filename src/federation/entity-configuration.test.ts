import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type JWK, calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { ENTITY_STATEMENT_TYPE, type EntityConfigurationDeps, signedEntityConfiguration } from './entity-configuration.ts';
import { federationPublicKeys, federationSigningKey, rotateFederationKey } from './federation-keys.ts';

const ISSUER = 'https://idp.agency.example/oidc';
const DISCOVERY = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks`, subject_types_supported: ['pairwise'] };

/** Verifies an entity configuration with the keys it carries, at `now`. */
async function selfVerified(jwt: string, now: Date) {
  const jwks = decodeJwt(jwt).jwks as { keys: JWK[] };
  return jwtVerify(jwt, createLocalJWKSet(jwks), { typ: ENTITY_STATEMENT_TYPE, currentDate: now, algorithms: ['ES256'] });
}

describeEachStore('OpenID Federation entity configuration', (factory) => {
  const h = useHarness(factory, {
    agency: { code: '1400', name: 'Department of the Interior' },
    federation: { record: { contacts: ['mailto:icam@doi.example'], affiliations: ['agency_code:1400/sub:NPS'] } },
  });
  const deps = (over: Partial<EntityConfigurationDeps> = {}): EntityConfigurationDeps => ({
    store: h.store,
    vault: h.keyVault,
    clock: h.clock,
    config: h.config,
    issuer: ISSUER,
    discovery: async () => DISCOVERY,
    ...over,
  });

  it('creates one federation key however many ask for it at once', async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => federationSigningKey(h.store, h.keyVault, h.clock)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal((await federationPublicKeys(h.store, h.clock.now())).length, 1);
  });

  it('is a self-signed entity statement that verifies against its own jwks', async () => {
    const jwt = await signedEntityConfiguration(deps());
    const { payload, protectedHeader } = await selfVerified(jwt, h.clock.now());
    assert.equal(protectedHeader.typ, 'entity-statement+jwt');
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.sub, payload.iss);
    assert.equal(payload.iat, Math.floor(h.clock.now().getTime() / 1000));
    assert.equal((payload.exp as number) - (payload.iat as number), 86_400);
    assert.equal(payload.authority_hints, undefined, 'no authority is configured');
  });

  it('names every key by its JWK SHA-256 thumbprint, and publishes no private part', async () => {
    const jwt = await signedEntityConfiguration(deps());
    const keys = (decodeJwt(jwt).jwks as { keys: JWK[] }).keys;
    assert.equal(keys.length, 1);
    for (const key of keys) {
      assert.equal(key.kid, await calculateJwkThumbprint(key, 'sha256'));
      assert.equal(key.d, undefined);
    }
    assert.equal(decodeProtectedHeader(jwt).kid, keys[0]?.kid);
  });

  it('carries the discovery document and the home agency IdP record in its metadata', async () => {
    const metadata = decodeJwt(await signedEntityConfiguration(deps())).metadata as Record<string, any>;
    assert.deepEqual(
      metadata.openid_provider,
      { ...DISCOVERY, client_registration_types_supported: [] },
      'the discovery document, and no OpenID Federation registration type: clients come from trust agreements',
    );
    assert.deepEqual(metadata.federation_entity, {
      organization_name: 'Department of the Interior',
      contacts: ['mailto:icam@doi.example'],
      piv_home_agency_idp: {
        home_agency_idp: true,
        agency_codes: ['agency_code:1400'],
        org_affiliations: ['agency_code:1400/sub:NPS'],
        protocols: [{ protocol: 'openid-connect-1.0', profiles: [`${ISSUER}/profiles/piv-oidc-1.0`], discovery: `${ISSUER}/.well-known/openid-configuration` }],
      },
    });
  });

  it('lists authority hints when they are configured', async () => {
    const config = { ...h.config, federation: { ...h.config.federation, record: { ...h.config.federation.record, authorityHints: ['https://fa.example.gov'] } } };
    assert.deepEqual(decodeJwt(await signedEntityConfiguration(deps({ config }))).authority_hints, ['https://fa.example.gov']);
  });

  it('refuses to vouch for a discovery document of another issuer', async () => {
    await assert.rejects(
      signedEntityConfiguration(deps({ discovery: async () => ({ ...DISCOVERY, issuer: 'https://elsewhere.example' }) })),
      /names issuer https:\/\/elsewhere\.example, not the entity id/,
    );
  });

  it('does not verify once expired, nor once altered', async () => {
    const jwt = await signedEntityConfiguration(deps());
    await assert.rejects(selfVerified(jwt, new Date(h.clock.now().getTime() + 86_401_000)), /"exp" claim timestamp check failed/);
    const tampered = jwt.replace(/\.([^.]+)\./, () => `.${Buffer.from(JSON.stringify({ ...decodeJwt(jwt), sub: 'https://evil.example' })).toString('base64url')}.`);
    assert.notEqual(tampered, jwt);
    await assert.rejects(selfVerified(tampered, h.clock.now()), /signature verification failed/);
  });

  it('rotates: the new key signs, the old one stays published for the overlap, then drops out', async () => {
    const before = await federationSigningKey(h.store, h.keyVault, h.clock);
    const kid = await rotateFederationKey(h.store, h.keyVault, h.clock, 86_400);
    assert.notEqual(kid, before.kid);
    assert.equal((await federationSigningKey(h.store, h.keyVault, h.clock)).kid, kid);
    const jwt = await signedEntityConfiguration(deps());
    assert.equal(decodeProtectedHeader(jwt).kid, kid);
    assert.deepEqual((decodeJwt(jwt).jwks as { keys: JWK[] }).keys.map((k) => k.kid).sort(), [before.kid, kid].sort());
    await selfVerified(jwt, h.clock.now());
    h.clock.advance(86_400_000 + 1000);
    assert.deepEqual(
      (await federationPublicKeys(h.store, h.clock.now())).map((k) => k.kid),
      [kid],
    );
  });
});
