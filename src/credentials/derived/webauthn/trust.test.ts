import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isMusterError } from '../../../core/errors.ts';
import type { X509Certificate } from '../../../pki/x509.ts';
import { testCertificate } from './test-authenticator.ts';
import { attestationChainsToAnchor } from './trust.ts';

const ROOT = 'CN=Vendor Root,O=Vendor,C=US';
const INTERMEDIATE = 'CN=Vendor Attestation CA,O=Vendor,C=US';
const LEAF = 'CN=Batch 7,OU=Authenticator Attestation,O=Vendor,C=US';
const NOW = new Date();
const der = (...certs: X509Certificate[]): Uint8Array[] => certs.map((cert) => new Uint8Array(cert.rawData));

describe('attestation chains to configured anchors', () => {
  let root: Awaited<ReturnType<typeof testCertificate>>;
  let intermediate: Awaited<ReturnType<typeof testCertificate>>;
  let leaf: X509Certificate;

  before(async () => {
    root = await testCertificate({ subject: ROOT, ca: true });
    intermediate = await testCertificate({ subject: INTERMEDIATE, ca: true, issuer: { name: ROOT, key: root.key } });
    leaf = (await testCertificate({ subject: LEAF, ca: false, issuer: { name: INTERMEDIATE, key: intermediate.key } })).certificate;
  });

  test('leaf and intermediate reach the root; the leaf alone does not', async () => {
    const anchors = [root.certificate.toString('pem')];
    assert.equal(await attestationChainsToAnchor(der(leaf, intermediate.certificate), anchors, NOW), true);
    assert.equal(await attestationChainsToAnchor(der(leaf), anchors, NOW), false);
    assert.equal(await attestationChainsToAnchor(der(leaf, intermediate.certificate), [], NOW), false);
  });

  test('the intermediate itself may be the anchor', async () => {
    assert.equal(await attestationChainsToAnchor(der(leaf), [intermediate.certificate.toString('pem')], NOW), true);
  });

  test('outside the validity of any certificate the chain is not trusted', async () => {
    const later = new Date(NOW.getTime() + 2 * 365 * 86_400_000);
    assert.equal(await attestationChainsToAnchor(der(leaf, intermediate.certificate), [root.certificate.toString('pem')], later), false);
  });

  test('an intermediate that is not a CA does not issue', async () => {
    const notCa = await testCertificate({ subject: INTERMEDIATE, ca: false, issuer: { name: ROOT, key: root.key } });
    const below = (await testCertificate({ subject: LEAF, ca: false, issuer: { name: INTERMEDIATE, key: notCa.key } })).certificate;
    assert.equal(await attestationChainsToAnchor(der(below, notCa.certificate), [root.certificate.toString('pem')], NOW), false);
  });

  test('a self-signed attestation certificate as anchor covers its re-issues (same name and key), not a look-alike', async () => {
    const first = await testCertificate({ subject: LEAF, ca: false });
    const reissued = await testCertificate({ subject: LEAF, ca: false, keys: first.keys });
    const lookAlike = await testCertificate({ subject: LEAF, ca: false });
    assert.notDeepEqual(der(first.certificate), der(reissued.certificate));
    const anchors = [first.certificate.toString('pem')];
    assert.equal(await attestationChainsToAnchor(der(first.certificate), anchors, NOW), true);
    assert.equal(await attestationChainsToAnchor(der(reissued.certificate), anchors, NOW), true);
    assert.equal(await attestationChainsToAnchor(der(lookAlike.certificate), anchors, NOW), false);
  });

  test('an anchor that is not a certificate is a configuration error naming it', async () => {
    await assert.rejects(
      attestationChainsToAnchor(der(leaf), [root.certificate.toString('pem'), 'junk'], NOW),
      (error) => isMusterError(error, 'MUSTER_ERR_CONFIG') && error.details[0]?.key === 'attestationRoots[1]',
    );
  });
});
