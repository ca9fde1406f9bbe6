import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { createCaHierarchy } from './ca.ts';
import { createCrl } from './crl.ts';
import { parseCrl as parseForPath } from './path/parsed.ts';
import { parseCrl } from './x509.ts';

const ORG = 'OU=Demo Agency,O=U.S. Government,C=US';

// A mass termination revokes thousands of certificates at once; asn1js's default of 10,000 ASN.1 nodes stopped at
// about 1,200 entries, so the CRL could be neither signed into the store nor read back.
test('a CRL of 20,000 revoked certificates is signed, read back, and read by the path validator', async () => {
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  const ca = await createCaHierarchy({ rootName: `CN=Large CRL Root CA,${ORG}`, issuingName: `CN=Large CRL Issuing CA,${ORG}`, keyAlgorithm: 'ecdsa-p256' }, clock);
  const revoked = Array.from({ length: 20_000 }, (_, i) => ({ serial: (0x100000 + i).toString(16), revokedAt: clock.now(), reason: 'affiliationChanged' as const }));
  const crl = await createCrl({ ca: ca.issuing, clock, crlNumber: 7, revoked });
  const again = parseCrl(new Uint8Array(crl.rawData));
  assert.equal(again.entries.length, 20_000);
  assert.equal(again.findRevoked('104e1f')?.reason, 3, 'affiliationChanged');
  assert.equal(parseForPath(again).tbs.revokedCertificates?.length, 20_000);
});
