import type { MusterConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { RevocationUrls } from '../pki/leaf-extensions.ts';
import { loadOrCreateCa, type CaMaterial, type CaStoreOptions } from '../pki/store/ca-store.ts';
import type { KeyCustody } from '../pki/store/key-custody.ts';
import { tlsCaName } from '../pki/store/tls-ca.ts';
import type { Store } from '../store/store.ts';
import { hsmCustody } from './hsm.ts';
import { keyPassphrase } from './key-passphrase.ts';

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
    rootCertificate: `${base}${PKI_PATHS.root}`,
    issuingCertificate: `${base}${PKI_PATHS.issuing}`,
    rootCrl: `${base}${PKI_PATHS.rootCrl}`,
    issuingCrl: `${base}${PKI_PATHS.crl}`,
    ocsp: `${base}${PKI_PATHS.ocsp}`,
  };
}

/** The AIA and CRL DP of a leaf issued by the issuing CA. */
export function revocationUrls(config: MusterConfig): RevocationUrls {
  const urls = pkiUrls(config);
  return { caIssuers: urls.issuingCertificate, crl: urls.issuingCrl, ocsp: urls.ocsp };
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
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
}
