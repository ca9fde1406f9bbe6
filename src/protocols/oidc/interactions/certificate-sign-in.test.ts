import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { useHarness } from '../../../../test/support/muster.ts';
import { describeEachStore } from '../../../../test/support/stores.ts';
import { URLS, opensslCsr } from '../../../credentials/test-fixtures.ts';
import { createCaHierarchy, type CaHierarchy } from '../../../pki/ca.ts';
import { createCrl } from '../../../pki/crl.ts';
import { encodeFascn } from '../../../pki/fascn.ts';
import { createIssuer } from '../../../pki/issue.ts';
import { X509Certificate } from '../../../pki/x509.ts';
import { checkAgreement } from '../../../core/federation/agreement.ts';
import { matchCertificate } from './certificate-sign-in.ts';
import { CrlCache } from './crl-cache.ts';
import type { ForeignTrust } from './foreign-certificate.ts';
import { SignInRefused, type RefusalReason } from './refusal.ts';
import { agreementDocument, bindDerivedPki, BY, importPeople, signInWorld, type SignInWorld } from './test-fixtures.ts';

const refusedFor = (reason: RefusalReason) => (error: unknown) => error instanceof SignInRefused && error.reason === reason;

describeEachStore('certificate sign-in: a presented certificate mapped to an active credential of an active identity', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let world: SignInWorld;
  let foreign: CaHierarchy;
  let foreignCrl: Uint8Array | undefined;
  let fetches = 0;
  let trust: ForeignTrust;
  const covering = checkAgreement('benefits', agreementDocument({ population: { agencyCodes: ['9700', '4700'] } }));
  const ours = checkAgreement('benefits', agreementDocument());

  const present = (pem: string, offered: string[] = []) => ({ leaf: new X509Certificate(pem), offered: () => offered.map((p) => new X509Certificate(p)) });
  const match = (pem: string, agreement = ours, offered: string[] = []) => matchCertificate(h.store, world.ca.issuing, h.clock, trust, present(pem, offered), agreement);

  async function foreignCard(credentialNumber: string, ca = foreign.issuing, crl = 'http://pki.other.gov/issuing.crl'): Promise<{ pem: string; fascn: string }> {
    const fascn = encodeFascn({ agencyCode: '4700', systemCode: '0002', credentialNumber });
    const issuer = createIssuer({ ca, clock: h.clock, urls: { ...URLS, crl } });
    const issued = await issuer.issue('piv-auth', {
      csr: await opensslCsr(h.dir, `foreign-${credentialNumber}`),
      subject: 'CN=Dana Detailee,OU=Other Agency,O=U.S. Government,C=US',
      fascn,
      cardUuid: crypto.randomUUID(),
      notAfterLimit: new Date(h.clock.now().getTime() + 365 * 86_400_000),
    });
    return { pem: issued.pem, fascn: Buffer.from(fascn).toString('hex') };
  }

  /** Records another agency's card (by its FASC-N) as an active credential of E3; its id. */
  async function holdForeignCard(fascn: string): Promise<string> {
    const credentialId = crypto.randomUUID();
    await h.store.query(`INSERT INTO credentials (id, identity_id, type, status, reference, details, issued_at, updated_at) VALUES ($1, $2, 'piv_card', 'active', $3, $4, $5, $5)`, [
      credentialId,
      world.ids.E3,
      crypto.randomUUID(),
      JSON.stringify({ fascn, agency_code: '4700' }),
      h.clock.now(),
    ]);
    return credentialId;
  }

  before(async () => {
    world = await signInWorld(h);
    foreign = await createCaHierarchy({ rootName: 'CN=Other Root,O=U.S. Government,C=US', issuingName: 'CN=Other PIV Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, h.clock);
    foreignCrl = new Uint8Array((await createCrl({ ca: foreign.issuing, clock: h.clock, crlNumber: 1, revoked: [] })).rawData);
    const fetchCrl = async (url: string) => {
      fetches++;
      if (url !== 'http://pki.other.gov/issuing.crl' || !foreignCrl) throw new Error('unreachable');
      return foreignCrl;
    };
    trust = { anchors: [foreign.issuing.certificate], clock: h.clock, crls: new CrlCache(h.clock, fetchCrl) };
  });

  test('an active PIV card signs in at AAL3, with the certificate thumbprint', async () => {
    const { card } = world.card.E1;
    const pem = card.certificates[0]!.pem;
    const found = await match(pem);
    const thumbprint = createHash('sha256')
      .update(new Uint8Array(new X509Certificate(pem).rawData))
      .digest('base64url');
    assert.deepEqual(found, {
      identityId: world.ids.E1,
      credentialId: card.credentialId,
      credentialType: 'piv_card',
      aal: 'aal3',
      serial: card.certificates[0]!.serial,
      issuer: world.ca.issuing.name,
      thumbprint,
      rpRevoked: false,
    });
  });

  test('the Card Authentication certificate does not sign anyone in', async () => {
    await assert.rejects(match(world.card.E1.card.certificates[1]!.pem), refusedFor('not-authentication-certificate'));
  });

  test('PKI-based Derived PIV: AAL3 when hardware-backed, AAL2 in software', async () => {
    const hardware = await bindDerivedPki(h, world, 'E1', true);
    const software = await bindDerivedPki(h, world, 'E1', false);
    assert.deepEqual([(await match(hardware.pem)).credentialType, (await match(hardware.pem)).aal], ['derived_pki', 'aal3']);
    assert.deepEqual([(await match(software.pem)).credentialId, (await match(software.pem)).aal], [software.credentialId, 'aal2']);
  });

  test('a certificate whose path was found valid is refused once it has expired, and signs in again within its validity', async () => {
    const pem = world.card.E1.card.certificates[0]!.pem;
    assert.equal((await match(pem)).identityId, world.ids.E1);
    const shift = new X509Certificate(pem).notAfter.getTime() - h.clock.now().getTime() + 1000;
    h.clock.advance(shift);
    try {
      await assert.rejects(match(pem), refusedFor('path-invalid'));
    } finally {
      h.clock.advance(-shift);
    }
    assert.equal((await match(pem)).identityId, world.ids.E1);
  });

  test('a suspended card: its certificate is on hold and refused; reinstated, it signs in again', async () => {
    const { card } = world.card.E2;
    await world.cards.suspend(card.credentialId, BY, 'card left in a reader');
    await assert.rejects(match(card.certificates[0]!.pem), refusedFor('certificate-on-hold'));
    await world.cards.reinstate(card.credentialId, BY, 'card found');
    assert.equal((await match(card.certificates[0]!.pem)).identityId, world.ids.E2);
  });

  test('a certificate muster did not issue or record is unknown', async () => {
    const stray = await createIssuer({ ca: world.ca.issuing, clock: h.clock, urls: URLS }).issue('piv-auth', {
      csr: await opensslCsr(h.dir, 'stray'),
      subject: 'CN=Stray,O=U.S. Government,C=US',
      fascn: encodeFascn({ agencyCode: '9700', systemCode: '0001', credentialNumber: '999999' }),
      cardUuid: crypto.randomUUID(),
      notAfterLimit: new Date(h.clock.now().getTime() + 365 * 86_400_000),
    });
    await assert.rejects(match(stray.pem), refusedFor('unknown-certificate'));
    const selfMade = await createCaHierarchy({ rootName: 'CN=Home Made,O=Nobody,C=US', issuingName: 'CN=Home Made Issuing,O=Nobody,C=US', keyAlgorithm: 'ecdsa-p256' }, h.clock);
    await assert.rejects(match(selfMade.issuing.certificate.toString('pem')), refusedFor('unknown-certificate'));
  });

  test("another agency's card is refused when the agreement's population does not list its agency", async () => {
    const { pem } = await foreignCard('000101');
    await assert.rejects(match(pem, ours), refusedFor('foreign-agency-not-covered'));
  });

  test("another agency's card under a covering agreement: refused until the MUR knows the card, then accepted; a CRL that cannot be fetched refuses", async () => {
    const { pem, fascn } = await foreignCard('000102');
    await assert.rejects(match(pem, covering), refusedFor('unknown-certificate'));
    const credentialId = await holdForeignCard(fascn);
    const found = await match(pem, covering);
    assert.deepEqual([found.identityId, found.credentialId, found.credentialType, found.aal], [world.ids.E3, credentialId, 'piv_card', 'aal3']);
    const cached = fetches;
    await match(pem, covering);
    assert.equal(fetches, cached, 'the CRL is kept until its nextUpdate');
    h.clock.advance(25 * 3600_000);
    const current = foreignCrl;
    foreignCrl = undefined;
    await assert.rejects(match(pem, covering), refusedFor('revocation-unavailable'));
    foreignCrl = current;
    h.clock.advance(-25 * 3600_000);
  });

  test("another agency's card issued below an intermediate CA: its path goes through the configured intermediates, the browser having sent none", async () => {
    const pointers = { caIssuers: 'http://pki.other.gov/root.p7c', crl: 'http://pki.other.gov/root.crl' };
    const names = { rootName: 'CN=Other Federal Root,O=U.S. Government,C=US', issuingName: 'CN=Other Deep Issuing,O=U.S. Government,C=US' };
    const deep = await createCaHierarchy({ ...names, keyAlgorithm: 'ecdsa-p256', issuingPointers: pointers }, h.clock);
    const served = new Map([
      [pointers.crl, new Uint8Array((await createCrl({ ca: deep.root, clock: h.clock, crlNumber: 1, revoked: [] })).rawData)],
      ['http://pki.other.gov/deep.crl', new Uint8Array((await createCrl({ ca: deep.issuing, clock: h.clock, crlNumber: 1, revoked: [] })).rawData)],
    ]);
    const crls = new CrlCache(h.clock, async (url) => served.get(url) ?? Promise.reject(new Error(`unreachable: ${url}`)));
    const { pem, fascn } = await foreignCard('000103', deep.issuing, 'http://pki.other.gov/deep.crl');
    const credentialId = await holdForeignCard(fascn);
    const under = (intermediates: X509Certificate[]): ForeignTrust => ({ anchors: [deep.root.certificate], intermediates, clock: h.clock, crls });
    const matchUnder = (t: ForeignTrust) => matchCertificate(h.store, world.ca.issuing, h.clock, t, present(pem), covering);
    await assert.rejects(matchUnder(under([])), refusedFor('path-invalid'));
    const found = await matchUnder(under([deep.issuing.certificate]));
    assert.deepEqual([found.identityId, found.credentialId], [world.ids.E3, credentialId]);
  });

  test('a terminated identity is refused at once, while its certificate is still good', async () => {
    await importPeople(h, { E1: 'terminated' }, 'hr-leaver.csv');
    const [cert] = await h.store.query<{ status: string }>('SELECT status FROM certificates WHERE serial = $1', [world.card.E1.card.certificates[0]!.serial]);
    assert.equal(cert?.status, 'good', 'the termination cascade has not run yet');
    await assert.rejects(match(world.card.E1.card.certificates[0]!.pem), refusedFor('identity-inactive'));
  });

  test('a revoked certificate is refused', async () => {
    await world.cards.terminate(world.card.E2.card.credentialId, 'lost', BY);
    await assert.rejects(match(world.card.E2.card.certificates[0]!.pem), refusedFor('certificate-revoked'));
  });
});
