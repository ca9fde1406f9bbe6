// OpenSSL's side of the issuance benchmark: the same CSRs signed by the same issuing CA key with the extensions of
// muster's derived-piv-auth profile, by `openssl ca` (one process for the whole batch) and by `openssl x509 -req`
// (one process per certificate, run in a loop inside one `sh -c`, so process start is part of the figure).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../ocsp/processes.ts';

export interface OpensslPeer {
  readonly caSeconds: number;
  readonly x509Seconds: number;
}

/** The derived-piv-auth extensions (STANDARDS §12); OpenSSL takes the SAN UUID from $LEAF_UUID. */
const LEAF = `[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = 2.16.840.1.101.3.2.1.3.40
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = URI:urn:uuid:$ENV::LEAF_UUID
authorityInfoAccess = caIssuers;URI:http://pki.example.gov/issuing.p7c, OCSP;URI:http://ocsp.example.gov
crlDistributionPoints = URI:http://pki.example.gov/issuing.crl
`;

const CA = `[ ca ]
default_ca = bench
[ bench ]
database = index.txt
new_certs_dir = ca-certs
certificate = issuing.pem
private_key = issuing.key
default_md = sha384
default_days = 1096
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = leaf
rand_serial = yes
preserve = yes
[ anything ]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
countryName = optional
${LEAF}`;

async function prepare(dir: string): Promise<void> {
  await writeFile(join(dir, 'leaf.cnf'), LEAF);
  await writeFile(join(dir, 'ca.cnf'), CA);
  await writeFile(join(dir, 'index.txt'), '');
  await mkdir(join(dir, 'ca-certs'));
  await mkdir(join(dir, 'x509-certs'));
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** One `openssl ca -batch -infiles …` over all CSRs (one SAN UUID for the batch: ca reads its config once). */
function opensslCa(dir: string, files: readonly string[]): Promise<unknown> {
  const env = { ...process.env, LEAF_UUID: crypto.randomUUID() };
  return run('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-notext', '-out', 'ca-all.pem', '-infiles', ...files], { cwd: dir, env, maxBuffer: 1 << 26 });
}

/** `openssl x509 -req` once per CSR, a fresh SAN UUID each, in one shell loop. */
function opensslX509(dir: string, count: number): Promise<unknown> {
  const loop = `i=0; while [ $i -lt ${count} ]; do
  read LEAF_UUID < /proc/sys/kernel/random/uuid; export LEAF_UUID
  openssl x509 -req -in csr/$i.pem -CA issuing.pem -CAkey issuing.key -sha384 -days 1096 -extfile leaf.cnf -extensions leaf -out x509-certs/$i.pem 2>/dev/null || exit 1
  i=$((i + 1))
done`;
  return run('sh', ['-c', loop], { cwd: dir });
}

/** Signs every CSR both ways; `dir` holds issuing.pem, issuing.key and csr/N.pem. */
export async function measureOpenssl(dir: string, files: readonly string[]): Promise<OpensslPeer> {
  await prepare(dir);
  const caSeconds = await seconds(() => opensslCa(dir, files));
  const x509Seconds = await seconds(() => opensslX509(dir, files.length));
  return { caSeconds, x509Seconds };
}
