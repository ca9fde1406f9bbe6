import { webcrypto } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { readCsr } from '../../pki/csr.ts';
import { BasicConstraintsExtension, X509CertificateGenerator } from '../../pki/x509.ts';
import type { KeyAttestation } from './key-attestation.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const YEAR_MS = 365 * 86_400_000;

/** A device maker's attestation root for tests, and attestations of CSR keys under it (as a PIV slot attestation is). */
export interface TestAttestationRoot {
  readonly rootPem: string;
  attest(csr: string | Uint8Array): Promise<KeyAttestation>;
}

export async function testAttestationRoot(clock: Clock, name = 'CN=Test Device Attestation Root'): Promise<TestAttestationRoot> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(clock.now().getTime() - 86_400_000);
  const notAfter = new Date(clock.now().getTime() + 10 * YEAR_MS);
  const root = await X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new BasicConstraintsExtension(true, undefined, true)],
  });
  let serial = 1;
  return {
    rootPem: root.toString('pem'),
    async attest(csr) {
      const { spki } = await readCsr(csr);
      serial += 1;
      const certificate = await X509CertificateGenerator.create({
        serialNumber: serial.toString(16).padStart(2, '0'),
        subject: 'CN=Device key attestation',
        issuer: root.subject,
        notBefore,
        notAfter,
        publicKey: spki,
        signingKey: keys.privateKey,
        signingAlgorithm: ALGORITHM,
      });
      return { certificate: certificate.toString('pem') };
    },
  };
}
