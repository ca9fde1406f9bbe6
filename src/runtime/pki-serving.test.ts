import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { createHttpApp } from '../http/app.ts';
import { subjectName } from '../pki/names.ts';
import { OID } from '../pki/oids.ts';
import type { CaMaterial } from '../pki/store/ca-store.ts';
import { latestCrl } from '../pki/store/crl-store.ts';
import { parseCrl, type X509Certificate } from '../pki/x509.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { startMuster, type Muster } from './context.ts';
import { pkiUrls } from './pki.ts';
import { startPkiServing, type PkiServing } from './pki-serving.ts';

const BASE = 'http://pki.agency.example:8081';
const HOUR_MS = 3_600_000;

function uris(certificate: X509Certificate, oid: string): string[] {
  const found = certificate.extensions.find((e) => e.type === oid);
  if (!found) return [];
  if (oid === OID.extAuthorityInfoAccess) return [...AsnConvert.parse(found.value, asn.AuthorityInfoAccessSyntax)].map((d) => `${d.accessMethod} ${d.accessLocation.uniformResourceIdentifier}`);
  return [...AsnConvert.parse(found.value, asn.CRLDistributionPoints)].flatMap((dp) => [...(dp.distributionPoint?.fullName ?? [])].map((n) => n.uniformResourceIdentifier ?? ''));
}

describeEachStore('the CA muster serves: every URL from pki.baseUrl, and a root CRL', (factory) => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let muster: Muster;
  let ca: CaMaterial;
  let serving: PkiServing;

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { port: 9999 }, pki: { baseUrl: `${BASE}/` } } });
    muster = await startMuster(config, { store: await factory.open(), clock });
    ca = await muster.ca();
    serving = await startPkiServing(muster);
  });
  after(async () => {
    await serving.stop();
    await muster.close();
  });

  test('every published URL comes from the one base', () => {
    const urls = pkiUrls(muster.config);
    for (const url of Object.values(urls)) assert.ok(url.startsWith(`${BASE}/`), url);
    assert.equal(urls.rootCrl, `${BASE}/crl/root.crl`);
    assert.equal(urls.issuingCrl, `${BASE}/pki/issuing-ca.crl`);
  });

  test('the issuing CA certificate points to the root certificate (AIA caIssuers) and the root CRL (CDP)', () => {
    const urls = pkiUrls(muster.config);
    assert.deepEqual(uris(ca.issuing.certificate, OID.extCrlDistributionPoints), [urls.rootCrl]);
    assert.deepEqual(uris(ca.issuing.certificate, OID.extAuthorityInfoAccess), [`1.3.6.1.5.5.7.48.2 ${urls.rootCertificate}`]);
  });

  test('a root CRL is published on start, signed by the root, and served at /crl/root.crl', async () => {
    const published = await latestCrl(muster.store, ca.root.name);
    assert.ok(published, 'a root CRL');
    const app = createHttpApp(muster, [], {});
    const response = await app.request('/crl/root.crl');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
    const crl = parseCrl(new Uint8Array(await response.arrayBuffer()));
    assert.ok(await crl.verify({ publicKey: ca.root.certificate.publicKey }));
    assert.deepEqual(Buffer.from(AsnConvert.serialize(AsnConvert.parse(crl.rawData, asn.CertificateList).tbsCertList.issuer)), Buffer.from(AsnConvert.serialize(subjectName(ca.root.certificate))));
  });

  test('the root CRL is published again when the refresh interval has passed', async () => {
    const first = await latestCrl(muster.store, ca.root.name);
    clock.advance(muster.config.pki.crlRefreshHours * HOUR_MS);
    await serving.publisher.sync();
    const next = await latestCrl(muster.store, ca.root.name);
    assert.equal(next?.number, (first?.number ?? 0) + 1);
  });
});

test('unset, pki.baseUrl defaults to the configured server address (an IPv6 host in brackets)', () => {
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { host: '::1', port: 8081 } } });
  assert.equal(pkiUrls(config).ocsp, 'http://[::1]:8081/ocsp');
  const configured = loadConfig({ env: { MUSTER_PKI_BASE_URL: 'http://pki.agency.example' }, overrides: { dataDir: ':memory:', server: { port: 0 } } });
  assert.deepEqual(
    Object.values(pkiUrls(configured)).map((u) => new URL(u).origin),
    Array(5).fill('http://pki.agency.example'),
  );
});
