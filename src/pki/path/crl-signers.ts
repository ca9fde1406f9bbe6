import { checkBasics, isSelfIssued, unknownCriticalExtension } from './certificate-checks.ts';
import type { ParsedCert, ParsedCrl } from './parsed.ts';
import { checkRevocation } from './revocation.ts';

/**
 * Certificates off the path that may sign CRLs (separate CRL-signing keys, key-rollover certificates):
 * one is accepted when a certificate of the validated chain issued it, it is valid at `time`, has no
 * unknown critical extension, and is itself not revoked according to CRLs signed within the chain.
 */
export async function acceptedCrlSigners(extras: readonly ParsedCert[], chain: readonly ParsedCert[], crls: readonly ParsedCrl[], time: Date): Promise<ParsedCert[]> {
  const accepted: ParsedCert[] = [];
  for (const extra of extras) {
    if (await issuedWithin(extra, chain, crls, time)) accepted.push(extra);
  }
  return accepted;
}

async function issuedWithin(extra: ParsedCert, chain: readonly ParsedCert[], crls: readonly ParsedCrl[], time: Date): Promise<boolean> {
  if (unknownCriticalExtension(extra)) return false;
  for (const issuer of chain) {
    if ((await checkBasics(extra, issuer, time)) !== undefined) continue;
    const signers = isSelfIssued(extra) ? [...chain, extra] : chain;
    return (await checkRevocation(extra, crls, signers, time)) === undefined;
  }
  return false;
}
