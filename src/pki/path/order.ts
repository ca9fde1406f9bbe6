import type { X509Certificate } from '../x509.ts';
import { namesEqual } from './names.ts';
import { parseCert, type ParsedCert } from './parsed.ts';

async function issues(issuer: ParsedCert, cert: ParsedCert): Promise<boolean> {
  if (!namesEqual(issuer.tbs.subject, cert.tbs.issuer)) return false;
  return cert.cert.verify({ publicKey: issuer.cert, signatureOnly: true }).catch(() => false);
}

/**
 * Splits a bag of certificates (the end entity last) into the chain from the anchor to the end entity,
 * found by issuer name and signature, and the others (e.g. CRL signers). When no chain to the anchor is
 * found the bag is returned as the path unchanged, so validation reports what is wrong with it.
 */
export async function splitPath(anchor: X509Certificate, bag: readonly X509Certificate[]): Promise<{ path: X509Certificate[]; others: X509Certificate[] }> {
  const root = parseCert(anchor);
  const parsed = bag.map(parseCert);
  let current = parsed[parsed.length - 1];
  const chain: ParsedCert[] = [];
  let anchored = false;
  while (current && !anchored) {
    chain.unshift(current);
    anchored = await issues(root, current);
    if (!anchored) current = await findIssuer(parsed, chain, current);
  }
  if (!anchored) return { path: [...bag], others: [] };
  return { path: chain.map((c) => c.cert), others: parsed.filter((c) => !chain.includes(c)).map((c) => c.cert) };
}

async function findIssuer(bag: readonly ParsedCert[], used: readonly ParsedCert[], cert: ParsedCert): Promise<ParsedCert | undefined> {
  for (const candidate of [...bag].reverse()) {
    if (!used.includes(candidate) && (await issues(candidate, cert))) return candidate;
  }
  return undefined;
}
