import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { EvidenceCrl } from './bundle.ts';
import { type EvidenceCheck, attempt, fail, pass } from './checks.ts';
import { issuedBy } from './verify-chain.ts';
import { X509Certificate, type X509Crl, parseCrl } from './x509.ts';

const CRL_NUMBER = '2.5.29.20';

/** Each CRL of the bundle is signed by the issuing CA and has the hash the bundle states. */
export async function checkCrls(crls: readonly EvidenceCrl[], issuing: X509Certificate): Promise<EvidenceCheck[]> {
  const checks: EvidenceCheck[] = [];
  for (const entry of crls) {
    const name = `CRL ${entry.number}`;
    checks.push(
      await attempt(name, async () => {
        const der = Buffer.from(entry.der, 'base64');
        if (createHash('sha256').update(der).digest('hex') !== entry.sha256) return fail(name, 'its SHA-256 is not the one the bundle states');
        const crl = parseCrl(der);
        if (crl.issuer !== issuing.subject || !(await crl.verify({ publicKey: issuing.publicKey }))) return fail(name, `not signed by the issuing CA ${issuing.subject}`);
        const number = crlNumberOf(crl);
        if (number !== entry.number) return fail(name, `its cRLNumber is ${number ?? 'missing'}`);
        return pass(name, `signed by ${issuing.subject}, this update ${crl.thisUpdate.toISOString()}, ${crl.entries.length} revoked`);
      }),
    );
  }
  return checks;
}

function crlNumberOf(crl: X509Crl): number | undefined {
  const extension = crl.getExtension(CRL_NUMBER);
  return extension ? AsnConvert.parse(extension.value, asn.CRLNumber).value : undefined;
}

/** The CRL the bundle names for a serial lists it. */
export function checkListed(serial: string, crlNumber: number | null, crls: readonly EvidenceCrl[]): Promise<EvidenceCheck> {
  const name = `CRL lists ${serial}`;
  return attempt(name, () => {
    const entry = crls.find((c) => c.number === crlNumber);
    if (crlNumber === null || !entry) return fail(name, 'no CRL in the bundle lists it');
    const revoked = parseCrl(Buffer.from(entry.der, 'base64')).findRevoked(serial);
    if (!revoked) return fail(name, `CRL ${crlNumber} does not list it`);
    return pass(name, `CRL ${crlNumber} lists it, revoked ${revoked.revocationDate.toISOString()}`);
  });
}

/** The certificate is the one with this serial and was issued by the issuing CA. */
export function checkLeaf(serial: string, certificateB64: string, issuing: X509Certificate): Promise<EvidenceCheck> {
  const name = `certificate ${serial}`;
  return attempt(name, async () => {
    const leaf = new X509Certificate(Buffer.from(certificateB64, 'base64'));
    if (leaf.serialNumber.toLowerCase().replace(/^(00)+/, '') !== serial.toLowerCase()) return fail(name, `the certificate has serial ${leaf.serialNumber}`);
    if (!(await issuedBy(leaf, issuing))) return fail(name, `not issued by ${issuing.subject}`);
    return pass(name, `${leaf.subject}, issued by the issuing CA`);
  });
}
