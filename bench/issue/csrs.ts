// The CSRs both sides sign: one fresh ECDSA P-256 key each, subject as muster will set it, written as PEM files too.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pkcs10CertificateRequestGenerator } from '../../src/pki/x509.ts';

export interface BenchCsr {
  readonly subject: string;
  readonly pem: string;
  /** Relative to the bench directory. */
  readonly file: string;
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

async function oneCsr(dir: string, i: number): Promise<BenchCsr> {
  const keys = await crypto.subtle.generateKey(P256, false, ['sign', 'verify']);
  const subject = `CN=Bench Person ${i + 1},OU=muster,O=U.S. Government,C=US`;
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const pem = csr.toString('pem');
  const file = join('csr', `${i}.pem`);
  await writeFile(join(dir, file), `${pem}\n`);
  return { subject, pem, file };
}

/** `count` CSRs in `dir/csr/0.pem` … (made before any clock starts). */
export async function makeCsrs(dir: string, count: number): Promise<BenchCsr[]> {
  await mkdir(join(dir, 'csr'), { recursive: true });
  const csrs: BenchCsr[] = [];
  for (let from = 0; from < count; from += 64) {
    const batch = Array.from({ length: Math.min(64, count - from) }, (_, j) => oneCsr(dir, from + j));
    csrs.push(...(await Promise.all(batch)));
  }
  return csrs;
}
