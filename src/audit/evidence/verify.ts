import type { EvidenceBody } from './bundle.ts';
import { type EvidenceCheck, attempt, fail, pass } from './checks.ts';
import { parseBundleFile, unverifiedBody, verifyEvidenceJws } from './jws.ts';
import { checkAuditChain, keyFingerprint } from './verify-audit.ts';
import { checkChain, checkTrustAnchor, parseChain } from './verify-chain.ts';
import { checkCrls, checkLeaf, checkListed } from './verify-crl.ts';
import { checkOcsp } from './verify-ocsp.ts';

export type { EvidenceCheck } from './checks.ts';

export interface EvidenceVerifyOptions {
  /** The auditor's copy of the audit public key (SPKI PEM); the bundle's must be the same. */
  readonly auditKeyPem?: string | undefined;
  /** The auditor's copy of the root CA certificate (PEM); the bundle's root must be the same. */
  readonly trustAnchorPem?: string | undefined;
}

export interface EvidenceVerification {
  readonly ok: boolean;
  readonly checks: readonly EvidenceCheck[];
}

/**
 * Checks a bundle offline, with nothing but its bytes and (optionally) the auditor's own keys: the file and its
 * signature, the CA chain, each OCSP response and CRL, and the audit entries up to their signed checkpoint.
 */
export async function verifyEvidence(text: string, options: EvidenceVerifyOptions = {}): Promise<EvidenceVerification> {
  const checks: EvidenceCheck[] = [];
  const done = () => ({ ok: checks.every((c) => c.ok), checks });
  const file = parseBundleFile(text);
  if ('problem' in file) return { ok: false, checks: [fail('bundle file', file.problem)] };
  checks.push(pass('bundle file', 'a JWS in its exact written form'));
  const key = await auditKey(unverifiedBody(file.jws), options.auditKeyPem);
  checks.push(key.check);
  if (!key.pem) return done();
  let body: EvidenceBody | undefined;
  const signature = await attempt('bundle signature', async () => {
    body = (await verifyEvidenceJws(file.jws, key.pem as string)).body;
    return pass('bundle signature', 'EdDSA signature by the audit key over the whole evidence');
  });
  checks.push(signature);
  if (!body) return done();
  checks.push(...(await checkContents(body, key.pem, options.trustAnchorPem)));
  return done();
}

async function auditKey(body: EvidenceBody | undefined, given: string | undefined): Promise<{ check: EvidenceCheck; pem?: string }> {
  return attempt('audit key', () => {
    const inBundle = body?.audit?.key?.publicKeyPem;
    if (given === undefined) {
      if (!inBundle) return fail('audit key', 'the bundle names no audit key and none was given');
      return pass('audit key', `relied on the key in the bundle, SHA-256 ${keyFingerprint(inBundle)}: compare it with the audit key muster publishes`);
    }
    if (!inBundle || keyFingerprint(inBundle) !== keyFingerprint(given)) return fail('audit key', `the bundle's audit key is not the given key (SHA-256 ${keyFingerprint(given)})`);
    return pass('audit key', `the given key, SHA-256 ${keyFingerprint(given)}`);
  }).then((check) => ({ check, ...(check.ok ? { pem: given ?? body?.audit.key.publicKeyPem } : {}) }));
}

async function checkContents(body: EvidenceBody, auditKeyPem: string, trustAnchorPem: string | undefined): Promise<EvidenceCheck[]> {
  const checks: EvidenceCheck[] = [];
  const chain = parseChain(body.chain);
  checks.push(checkTrustAnchor(chain.root, trustAnchorPem), ...(await checkChain(chain)));
  checks.push(...(await checkCrls(body.crls, chain.issuing)));
  for (const c of body.certificates) {
    checks.push(await checkLeaf(c.serial, c.certificate, chain.issuing));
    checks.push(await checkOcsp(c.serial, c.ocspResponse, chain.issuing, chain.responder));
    checks.push(await checkListed(c.serial, c.crlNumber, body.crls));
  }
  checks.push(...(await checkAuditChain(body.audit, auditKeyPem)));
  return checks;
}
