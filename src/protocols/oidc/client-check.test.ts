import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useHarness } from '../../../test/support/muster.ts';
import { pgliteFactory } from '../../../test/support/stores.ts';
import { isMusterError, type MusterError } from '../../core/errors.ts';
import { exampleAgreement, exampleRp } from '../../federation/agreements-fixture.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { opClientCheck } from './client-check.ts';

const RSA_ENC = {
  kty: 'RSA',
  use: 'enc',
  n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw',
  e: 'AQAB',
};

/** A FAL1 relying party (front channel, ID token encrypted to it) with the redirect URIs given. */
const fal1Rp = (redirectUris: string[]) => exampleRp({ clientId: 'front-channel', redirectUris, fal: 'fal1', jwks: { keys: [RSA_ENC] } });
const fal1Agreement = (redirectUris: string[]) => exampleAgreement({ relyingParties: [fal1Rp(redirectUris)], assurance: { fal: { min: 'fal1', max: 'fal3' } } });

async function refusal(fn: () => Promise<unknown>): Promise<MusterError> {
  try {
    await fn();
  } catch (error) {
    if (isMusterError(error)) return error;
    throw error;
  }
  assert.fail('expected a MusterError');
}

describe("trust agreements checked with the OP's client rules", () => {
  const h = useHarness(pgliteFactory);
  const service = () => new AgreementService({ store: h.store, audit: h.audit, clock: h.clock, checkClients: opClientCheck(h) });

  it('refuses a FAL1 relying party with an http loopback redirect URI, naming the URI, and saves nothing', async () => {
    const error = await refusal(() => service().save('front', fal1Agreement(['https://127.0.0.1:8080/cb', 'http://127.0.0.1:8080/cb']), 'cli:alice', 'front channel RP'));
    assert.equal(error.code, 'MUSTER_ERR_AGREEMENT');
    assert.deepEqual(
      error.details.map((d) => [d.field, d.value]),
      [['relyingParties.0.redirectUris.1', 'http://127.0.0.1:8080/cb']],
    );
    assert.match(error.message, /http:\/\/127\.0\.0\.1:8080\/cb/);
    assert.match(error.message, /https/);
    assert.equal((await h.store.query("SELECT 1 FROM trust_agreements WHERE id = 'front'")).length, 0);
  });

  it('refuses https://localhost for a FAL1 (implicit) relying party', async () => {
    const error = await refusal(() => service().save('front', fal1Agreement(['https://localhost/cb']), 'cli:alice', 'front channel RP'));
    assert.deepEqual(
      error.details.map((d) => [d.field, d.value]),
      [['relyingParties.0.redirectUris.0', 'https://localhost/cb']],
    );
    assert.match(error.details[0]?.message ?? '', /localhost/);
  });

  it('accepts what the OP accepts: FAL1 on https, FAL2 on http loopback', async () => {
    assert.equal((await service().save('front', fal1Agreement(['https://front.agency.example/cb']), 'cli:alice', 'front channel RP')).version, 1);
    const local = exampleAgreement({ relyingParties: [exampleRp({ clientId: 'local-dev', redirectUris: ['http://127.0.0.1:8080/cb', 'http://127.0.0.1:8080/other'] })] });
    assert.equal((await service().save('local', local, 'cli:alice', 'developer RP')).version, 1);
  });

  it('accepts redirect URIs on several hosts (loopback http beside https), with or without a sector identifier URI: the OP serves them', async () => {
    const twoHosts = exampleAgreement({ relyingParties: [exampleRp({ clientId: 'two-hosts', redirectUris: ['http://127.0.0.1:8080/cb', 'https://b.agency.example/cb'] })] });
    assert.equal((await service().save('two', twoHosts, 'cli:alice', 'two hosts')).version, 1);
    const named = exampleAgreement({
      relyingParties: [exampleRp({ clientId: 'two-hosts', redirectUris: ['https://a.agency.example/cb', 'https://b.agency.example/cb'], sectorIdentifierUri: 'https://agency.example/sector.json' })],
    });
    assert.equal((await service().save('two', named, 'cli:alice', 'two hosts, one sector')).version, 2);
    const loopbackSector = exampleAgreement({
      relyingParties: [exampleRp({ clientId: 'two-hosts', redirectUris: ['http://127.0.0.1:8080/cb', 'https://b.agency.example/cb'], sectorIdentifierUri: 'http://127.0.0.1:8080/sector.json' })],
    });
    assert.equal((await service().save('two', loopbackSector, 'cli:alice', 'two hosts, a loopback sector')).version, 3);
  });
});
