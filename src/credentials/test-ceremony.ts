import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sign } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A P-256 key and CSR made by openssl in `dir`: the key PEM (to sign challenges) and the CSR PEM. */
export async function keyAndCsr(dir: string, name: string): Promise<{ key: string; csr: string }> {
  const csr = join(dir, `${name}.csr`);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${csr}.key`, '-out', csr, '-subj', '/CN=applicant']);
  return { key: await readFile(`${csr}.key`, 'utf8'), csr: await readFile(csr, 'utf8') };
}

/** The applicant's side of the ceremony: an ECDSA/SHA-256 signature (DER, base64) over the challenge's bytes. */
export function signChallenge(keyPem: string, challenge: string): string {
  return sign('sha256', Buffer.from(challenge, 'base64url'), { key: keyPem, dsaEncoding: 'der' }).toString('base64');
}
