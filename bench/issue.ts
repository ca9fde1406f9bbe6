// Certificates issued per second: muster's createIssuer signing MUSTER_BENCH_ISSUE_CERTS (default 1,000)
// derived-piv-auth certificates from pre-made CSRs, beside OpenSSL signing the same CSRs with the same issuing CA key
// and the same extensions, in the same run. Run alone with `node bench/issue.ts` or MUSTER_BENCH_ONLY=issue npm run bench.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from '../src/pki/ca.ts';
import { createIssuer, type IssuedCertificate } from '../src/pki/issue.ts';
import { generateCaKey } from '../src/pki/keys.ts';
import { makeCsrs, type BenchCsr } from './issue/csrs.ts';
import { measureOpenssl } from './issue/openssl.ts';
import { privateKeyPem } from './ocsp/pki.ts';
import { run } from './ocsp/processes.ts';

const CERTS = Number(process.env.MUSTER_BENCH_ISSUE_CERTS ?? 1000);
/** Issuance requests muster has in flight at once, as concurrent enrolments would. */
const IN_FLIGHT = 16;
const URLS = { caIssuers: 'http://pki.example.gov/issuing.p7c', ocsp: 'http://ocsp.example.gov', crl: 'http://pki.example.gov/issuing.crl' };
const line = (text: string) => process.stdout.write(`${text}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A P-384 hierarchy (muster's default CA key type) whose issuing key OpenSSL can read too. */
async function benchCa(dir: string): Promise<CaHierarchy> {
  const issuingKey = await generateCaKey('ecdsa-p384');
  const names = { rootName: 'CN=Bench Root CA,OU=muster,O=U.S. Government,C=US', issuingName: 'CN=Bench Issuing CA,OU=muster,O=U.S. Government,C=US' };
  const ca = await createCaHierarchy({ ...names, keyAlgorithm: 'ecdsa-p384', issuingKey }, systemClock);
  await writeFile(join(dir, 'root.pem'), ca.root.certificate.toString('pem'));
  await writeFile(join(dir, 'issuing.pem'), ca.issuing.certificate.toString('pem'));
  await writeFile(join(dir, 'issuing.key'), await privateKeyPem(issuingKey), { mode: 0o600 });
  return ca;
}

/** createIssuer().issue('derived-piv-auth') for every CSR, IN_FLIGHT at a time; returns the seconds and the last certificate. */
async function measureMuster(ca: CaHierarchy, csrs: readonly BenchCsr[]): Promise<{ seconds: number; last: IssuedCertificate }> {
  const issuer = createIssuer({ ca: ca.issuing, clock: systemClock, urls: URLS });
  let last: IssuedCertificate | undefined;
  const started = performance.now();
  for (let from = 0; from < csrs.length; from += IN_FLIGHT) {
    const batch = csrs.slice(from, from + IN_FLIGHT).map((csr) => issuer.issue('derived-piv-auth', { csr: csr.pem, subject: csr.subject }));
    last = (await Promise.all(batch)).at(-1);
  }
  return { seconds: (performance.now() - started) / 1000, last: last as IssuedCertificate };
}

/** OpenSSL must accept one certificate of each side as issued by the bench CA. */
async function verifyChains(dir: string, musterPem: string): Promise<void> {
  await writeFile(join(dir, 'muster-last.pem'), musterPem);
  const last = `x509-certs/${CERTS - 1}.pem`;
  await run('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', 'muster-last.pem', 'ca-all.pem', last], { cwd: dir });
}

function report(musterSeconds: number, caSeconds: number, x509Seconds: number): void {
  const rate = (s: number) => fmt(Math.round(CERTS / s)).padStart(7);
  line(
    `  muster createIssuer:     ${rate(musterSeconds)} certs/s  ${fmt(musterSeconds, 2).padStart(6)} s   (1 process, ${IN_FLIGHT} requests in flight; ECDSA signing on libuv's thread pool; every certificate re-read by the profile checker)`,
  );
  line(
    `  openssl ca -infiles:     ${rate(caSeconds)} certs/s  ${fmt(caSeconds, 2).padStart(6)} s   (1 process for the whole batch; one SAN UUID for all)   muster ${fmt(caSeconds / musterSeconds, 1)}×`,
  );
  line(
    `  openssl x509 -req loop:  ${rate(x509Seconds)} certs/s  ${fmt(x509Seconds, 2).padStart(6)} s   (1 process per certificate from one sh -c loop: process start counted)   muster ${fmt(x509Seconds / musterSeconds, 1)}×`,
  );
}

export async function issueBenchmark(): Promise<void> {
  line(`\nCertificate issuance (${fmt(CERTS)} derived-piv-auth certificates from pre-made CSRs; ECDSA P-384 issuing CA, P-256 subject keys)`);
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-issue-'));
  try {
    const ca = await benchCa(dir);
    const csrs = await makeCsrs(dir, CERTS);
    const ours = await measureMuster(ca, csrs);
    const peer = await measureOpenssl(
      dir,
      csrs.map((c) => c.file),
    );
    await verifyChains(dir, ours.last.pem);
    report(ours.seconds, peer.caSeconds, peer.x509Seconds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await issueBenchmark();
