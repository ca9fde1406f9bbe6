import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MusterConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { RevocationUrls } from '../pki/leaf-extensions.ts';
import { loadOrCreateCa, type CaMaterial, type CaStoreOptions } from '../pki/store/ca-store.ts';
import type { KeyCustody } from '../pki/store/key-custody.ts';
import { tlsCaName } from '../pki/store/tls-ca.ts';
import type { Store } from '../store/store.ts';
import { hsmCustody } from './hsm.ts';

export const PASSPHRASE_FILE = 'pki-key-passphrase';

/**
 * Where relying parties fetch the CA certificates, the CRLs and OCSP answers: the AIA and CRL DP of the issuing CA
 * (root certificate, root CRL) and of every leaf (issuing CA certificate, issuing CA CRL, OCSP).
 */
export const PKI_PATHS = { root: '/pki/root-ca.crt', issuing: '/pki/issuing-ca.crt', crl: '/pki/issuing-ca.crl', rootCrl: '/crl/root.crl', ocsp: '/ocsp' } as const;

/** Every URL muster writes into a certificate, all from the one base `pki.baseUrl`. */
export interface PkiUrls {
  readonly rootCertificate: string;
  readonly issuingCertificate: string;
  readonly rootCrl: string;
  readonly issuingCrl: string;
  readonly ocsp: string;
}

export function pkiBaseUrl(config: MusterConfig): string {
  const listen = config.pki.listen ?? config.server;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return (config.pki.baseUrl ?? `http://${host}:${listen.port}`).replace(/\/+$/, '');
}

export function pkiUrls(config: MusterConfig): PkiUrls {
  const base = pkiBaseUrl(config);
  return {
    rootCertificate: `${base}${PKI_PATHS.root}`, issuingCertificate: `${base}${PKI_PATHS.issuing}`,
    rootCrl: `${base}${PKI_PATHS.rootCrl}`, issuingCrl: `${base}${PKI_PATHS.crl}`, ocsp: `${base}${PKI_PATHS.ocsp}`,
  };
}

/** The AIA and CRL DP of a leaf issued by the issuing CA. */
export function revocationUrls(config: MusterConfig): RevocationUrls {
  const urls = pkiUrls(config);
  return { caIssuers: urls.issuingCertificate, crl: urls.issuingCrl, ocsp: urls.ocsp };
}

/** In-memory stores end with the process: one random passphrase for all of them, so keys stored early decrypt later. */
const MEMORY_PASSPHRASE = randomBytes(24).toString('base64url');

/** The passphrase that encrypts CA keys in the store: configured, or a random one kept in <dataDir>, made on first start. */
async function keyPassphrase(config: MusterConfig): Promise<string> {
  if (config.pki.keyPassphrase) return config.pki.keyPassphrase;
  if (config.dataDir === ':memory:') return MEMORY_PASSPHRASE;
  const file = join(config.dataDir, PASSPHRASE_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) return existing.trim();
  const created = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${created}\n`, { mode: 0o600, flag: 'wx' });
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw new MusterError('MUSTER_ERR_PKI_KEY', `cannot create ${file}: ${(error as Error).message}`, [{ key: 'pki.keyPassphrase', message: 'unset, and the passphrase file cannot be written' }]);
  }
}

function caNames(config: MusterConfig): { rootName: string; issuingName: string; tlsName: string } {
  const agency = config.agency.name.replace(/[\\,+"<>;=]/g, '\\$&');
  const org = `OU=${agency},O=U.S. Government,C=US`;
  const issuingName = config.pki.issuingName ?? `CN=${agency} PIV Issuing CA,${org}`;
  return { rootName: config.pki.rootName ?? `CN=${agency} Root CA,${org}`, issuingName, tlsName: config.pki.issuingName ? tlsCaName(issuingName) : `CN=${agency} TLS Issuing CA,${org}` };
}

export async function caStoreOptions(config: MusterConfig, clock: Clock): Promise<CaStoreOptions> {
  const custody: KeyCustody = { passphrase: await keyPassphrase(config), ...(config.pki.hsm ? { hsm: await hsmCustody(config.pki.hsm) } : {}) };
  const urls = pkiUrls(config);
  const issuingPointers = { caIssuers: urls.rootCertificate, crl: urls.rootCrl };
  return { clock, ...caNames(config), algorithm: config.pki.keyAlgorithm, custody, issuingPointers, ...(config.pki.import ? { import: config.pki.import } : {}) };
}

/** The CA, loaded once on first use: created (or adopted) on the very first start. */
export function lazyCa(config: MusterConfig, store: Store, clock: Clock): () => Promise<CaMaterial> {
  let loading: Promise<CaMaterial> | undefined;
  return () => {
    loading ??= caStoreOptions(config, clock).then((options) => loadOrCreateCa(store, options));
    loading.catch(() => { loading = undefined; });
    return loading;
  };
}
