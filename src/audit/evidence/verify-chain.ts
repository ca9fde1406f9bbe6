import { createHash } from 'node:crypto';
import { type EvidenceCheck, attempt, fail, pass } from './checks.ts';
import type { EvidenceChain } from './bundle.ts';
import { X509Certificate } from './x509.ts';

const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** The chain of a bundle, parsed. */
export interface ParsedChain {
  readonly root: X509Certificate;
  readonly issuing: X509Certificate;
  readonly responder: X509Certificate;
}

export function parseChain(chain: EvidenceChain): ParsedChain {
  const cert = (b64: string) => new X509Certificate(Buffer.from(b64, 'base64'));
  return { root: cert(chain.root), issuing: cert(chain.issuing), responder: cert(chain.ocspResponder) };
}

export function sha256Fingerprint(der: ArrayBuffer | Uint8Array): string {
  return createHash('sha256').update(new Uint8Array(der)).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

/** `child` names `parent` as its issuer and carries a signature by the parent's key. */
export async function issuedBy(child: X509Certificate, parent: X509Certificate): Promise<boolean> {
  return child.issuer === parent.subject && (await child.verify({ publicKey: parent.publicKey, signatureOnly: true }));
}

/** The root is self-signed, the issuing CA is signed by it, the OCSP responder by the issuing CA and is allowed to sign OCSP. */
export async function checkChain(chain: ParsedChain): Promise<EvidenceCheck[]> {
  const { root, issuing, responder } = chain;
  return [
    await attempt('chain: root', async () => ((await issuedBy(root, root)) ? pass('chain: root', `${root.subject} is self-signed`) : fail('chain: root', `${root.subject} is not self-signed`))),
    await attempt('chain: issuing CA', async () =>
      (await issuedBy(issuing, root)) ? pass('chain: issuing CA', `${issuing.subject} is signed by the root`) : fail('chain: issuing CA', `${issuing.subject} is not signed by ${root.subject}`),
    ),
    await attempt('chain: OCSP responder', async () => {
      if (!(await issuedBy(responder, issuing))) return fail('chain: OCSP responder', `${responder.subject} is not signed by ${issuing.subject}`);
      const eku = responder.getExtension('2.5.29.37') as { usages?: readonly string[] } | null;
      if (!eku?.usages?.includes(OCSP_SIGNING)) return fail('chain: OCSP responder', `${responder.subject} lacks the id-kp-OCSPSigning extended key usage`);
      return pass('chain: OCSP responder', `${responder.subject} is signed by the issuing CA for OCSP signing`);
    }),
  ];
}

/** With the auditor's root, the bundle's root must be the same certificate; without it, its fingerprint is shown to compare. */
export function checkTrustAnchor(root: X509Certificate, anchorPem: string | undefined): EvidenceCheck {
  const fingerprint = sha256Fingerprint(root.rawData);
  if (anchorPem === undefined) return pass('trust anchor', `relied on the root in the bundle, ${root.subject}, SHA-256 ${fingerprint}: compare it with the root muster publishes`);
  const anchor = new X509Certificate(anchorPem);
  if (sha256Fingerprint(anchor.rawData) !== fingerprint)
    return fail('trust anchor', `the bundle's root (SHA-256 ${fingerprint}) is not the given trust anchor ${anchor.subject} (SHA-256 ${sha256Fingerprint(anchor.rawData)})`);
  return pass('trust anchor', `the bundle's root is the given trust anchor, SHA-256 ${fingerprint}`);
}
