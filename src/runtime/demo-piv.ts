import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { MusterError } from '../core/errors.ts';
import { operatorIdOf } from '../core/operators/separation.ts';
import type { IssuedPivCard } from '../credentials/types.ts';
import { buildPkcs12 } from '../pki/pkcs12.ts';
import { Pkcs10CertificateRequestGenerator, X509Certificate } from '../pki/x509.ts';
import type { Muster } from './context.ts';
import { demoIssuanceRecords } from './demo-records.ts';

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
const YEAR_MS = 365 * 86_400_000;

export interface DemoPivResult {
  readonly card: IssuedPivCard;
  readonly identityId: string;
  /** The PKCS#12 files, the PIV Authentication key and certificate chain as PEM (`pivAuthPem`), and the CA certificates. */
  readonly files: { readonly pivAuth: string; readonly pivAuthPem: string; readonly cardAuth: string; readonly root: string; readonly issuing: string };
}

export interface DemoPivOptions {
  /** The files' names begin with it; the person as given when unset. */
  readonly fileName?: string;
  readonly algorithm?: SoftKeyAlgorithm;
}

interface SoftKey {
  readonly csr: string;
  readonly pkcs8Pem: string;
}

/** RSA 2048, as on many PIV cards; P-256 where keys are made in bulk (the demo operators' cards): a fraction of the time. */
export type SoftKeyAlgorithm = 'rsa-2048' | 'p-256';

const ALGORITHMS = { 'rsa-2048': RSA, 'p-256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } } as const;

/** A software "card" key and its CSR. */
async function softKey(name: string, algorithm: SoftKeyAlgorithm): Promise<SoftKey> {
  const params = ALGORITHMS[algorithm];
  const keys = (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: `CN=${name}`, keys, signingAlgorithm: params });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    csr: csr.toString('pem'),
    pkcs8Pem: `-----BEGIN PRIVATE KEY-----\n${der
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n')}\n-----END PRIVATE KEY-----\n`,
  };
}

function pkcs12(key: SoftKey, chainPems: readonly string[], password: string, friendlyName: string): Uint8Array {
  return buildPkcs12({ keyPem: key.pkcs8Pem, certificates: chainPems.map((p) => new Uint8Array(new X509Certificate(p).rawData)), password, friendlyName });
}

async function findPerson(muster: Muster, person: string): Promise<string> {
  const rows = await muster.store.query<{ id: string }>(
    `SELECT id::text AS id FROM identities WHERE id::text = $1 OR attributes->'employee_id'->>'v' = $1 OR lower(attributes->'email'->>'v') = lower($1) LIMIT 2`,
    [person],
  );
  if (rows.length !== 1)
    throw new MusterError('MUSTER_ERR_NOT_FOUND', `no single person matches ${person} (give an identity id, employee id or email)`, [
      { field: 'person', value: person, message: rows.length === 0 ? 'not found' : 'ambiguous' },
    ]);
  return (rows[0] as { id: string }).id;
}

/** A key's file: only its owner reads it (0600, also when it was there already). */
async function writeSecret(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(file, data, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * `muster demo piv PERSON`: a software PIV card for a demo person. The keys are made here (a real card makes them
 * on-card), the card is issued through the same checks as any other — active person, favorable TRUST, separation of
 * duties — on the sponsorship and proofing the demo's sponsor and registrar record (when the person has none yet),
 * activated, and written as two PKCS#12 files and the PIV Authentication key with its certificates as PEM (each 0600).
 */
export async function issueDemoPivCard(
  muster: Muster,
  person: string,
  out: string,
  password: string,
  by: { actor: string; correlationId: string },
  options: DemoPivOptions = {},
): Promise<DemoPivResult> {
  const identityId = await findPerson(muster, person);
  await demoIssuanceRecords(muster, identityId, by.correlationId, operatorIdOf(by.actor));
  const services = await muster.credentials();
  const algorithm = options.algorithm ?? 'rsa-2048';
  const [pivAuth, cardAuth] = [await softKey('PIV Authentication', algorithm), await softKey('Card Authentication', algorithm)];
  const now = muster.clock.now();
  const card = await services.cards.issue(
    {
      identityId,
      expiresAt: new Date(now.getTime() + 5 * YEAR_MS),
      pivAuthCsr: pivAuth.csr,
      cardAuthCsr: cardAuth.csr,
    },
    by,
  );
  await services.cards.activate(card.credentialId, by, 'demo software card activated on issue');
  const chain = [services.ca.issuing.certificate.toString('pem'), services.ca.root.certificate.toString('pem')];
  const pem = (profile: string) => card.certificates.find((c) => c.profile === profile)?.pem as string;
  await mkdir(out, { recursive: true, mode: 0o700 });
  const base = options.fileName ?? person;
  const files = {
    pivAuth: join(out, `${base}-piv-auth.p12`),
    pivAuthPem: join(out, `${base}-piv-auth.pem`),
    cardAuth: join(out, `${base}-card-auth.p12`),
    root: join(out, 'root-ca.pem'),
    issuing: join(out, 'issuing-ca.pem'),
  };
  await writeSecret(files.pivAuth, pkcs12(pivAuth, [pem('piv-auth'), ...chain], password, 'PIV Authentication'));
  await writeSecret(files.pivAuthPem, [pivAuth.pkcs8Pem, pem('piv-auth'), ...chain].map((p) => p.trim()).join('\n') + '\n');
  await writeSecret(files.cardAuth, pkcs12(cardAuth, [pem('card-auth'), ...chain], password, 'Card Authentication'));
  await writeFile(files.root, `${chain[1]}\n`);
  await writeFile(files.issuing, `${chain[0]}\n`);
  return { card, identityId, files };
}
