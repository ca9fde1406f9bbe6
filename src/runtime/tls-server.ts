import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { MusterError } from '../core/errors.ts';
import { loadOrCreateTlsCa } from '../pki/store/tls-ca.ts';
import { recordTlsCertificate, type TlsCertificateSource } from '../pki/store/tls-records.ts';
import { pemCertificates } from '../pki/pem.ts';
import { SubjectAlternativeNameExtension, X509Certificate } from '../pki/x509.ts';
import { issueTlsServerCertificate } from '../pki/tls-server.ts';
import type { TlsServerCredentials } from '../protocols/oidc/tls-server-certificate.ts';
import { readConfiguredFile } from './configured-file.ts';
import type { Muster } from './context.ts';
import { caStoreOptions } from './pki.ts';

type TlsContext = Pick<Muster, 'ca' | 'clock' | 'store' | 'audit' | 'config'>;
type Served = { key: string; cert: string; certificate: X509Certificate; chain: string[]; source: TlsCertificateSource; hostnames: readonly string[] };

/** The configured certificate (first PEM block; the rest is its chain) and key; `at` names the settings in errors. */
async function configured(certificateFile: string, keyFile: string, at = 'federation.mtls'): Promise<Served> {
  const blocks = pemCertificates(await readConfiguredFile(`${at}.certificateFile`, certificateFile));
  const [cert, ...chain] = blocks;
  if (!cert) throw new MusterError('MUSTER_ERR_CONFIG', `${certificateFile} holds no PEM certificate`, [{ key: `${at}.certificateFile`, value: certificateFile, message: 'no PEM certificate' }]);
  const certificate = new X509Certificate(cert);
  const key = await readConfiguredFile(`${at}.keyFile`, keyFile);
  if (!keyMatches(key, certificate))
    throw new MusterError('MUSTER_ERR_CONFIG', `${keyFile} is not the key of ${certificateFile}`, [{ key: `${at}.keyFile`, value: keyFile, message: 'does not match certificateFile' }]);
  const hostnames = certificate.getExtension(SubjectAlternativeNameExtension)?.names.items.map((n) => n.value) ?? [];
  return { key, cert, certificate, chain, source: 'configured', hostnames };
}

function keyMatches(keyPem: string, certificate: X509Certificate): boolean {
  try {
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
    return Buffer.compare(spki, Buffer.from(certificate.publicKey.rawData)) === 0;
  } catch {
    return false;
  }
}

/** A new certificate from muster's TLS CA (made under the root on first use), never from the PIV issuing CA. */
async function issued(ctx: TlsContext, hostnames: readonly string[]): Promise<Served> {
  const ca = await ctx.ca();
  const tlsCa = await loadOrCreateTlsCa(ctx.store, ca, await caStoreOptions(ctx.config, ctx.clock));
  const made = await issueTlsServerCertificate(tlsCa, [tlsCa.certificate], hostnames, ctx.clock.now());
  return { ...made, source: 'issued', hostnames };
}

/** Records the certificate and audits it, in one transaction. */
async function record(ctx: TlsContext, served: Served): Promise<void> {
  const { certificate, source, hostnames } = served;
  const serial = certificate.serialNumber.toLowerCase();
  await ctx.store.transaction(async (tx) => {
    await recordTlsCertificate(tx, certificate, source, hostnames, ctx.clock.now());
    const data = { source, issuer: certificate.issuer, subject: certificate.subject, hostnames: [...hostnames], notAfter: certificate.notAfter.toISOString() };
    await ctx.audit.append(tx, [{ actor: 'muster', action: `pki.tls_certificate.${source}`, target: serial, reason: 'mutual-TLS listener start', data }], randomUUID());
  });
}

/**
 * The mutual-TLS listener's server certificate: `federation.mtls.certificateFile`/`keyFile` when configured, else a
 * new one from muster's TLS CA for `hostnames`. Either is recorded in `tls_certificates` and in the audit log.
 * Client certificates are trusted up to muster's PIV issuing CA and root.
 */
export async function mtlsServerCredentials(ctx: TlsContext, hostnames: readonly string[]): Promise<TlsServerCredentials> {
  const { certificateFile, keyFile } = ctx.config.federation.mtls;
  const served = certificateFile && keyFile ? await configured(certificateFile, keyFile) : await issued(ctx, hostnames);
  await record(ctx, served);
  const ca = await ctx.ca();
  const anchors = [ca.issuing.certificate.toString('pem'), ca.root.certificate.toString('pem')];
  return { key: served.key, cert: served.cert, chain: served.chain, ca: anchors, notAfter: served.certificate.notAfter };
}

/** The main listener's certificate (with its chain) and key from server.tls, checked to match; undefined without it. */
export async function mainListenerTls(config: Pick<Muster['config'], 'server'>): Promise<{ cert: string; key: string } | undefined> {
  const tls = config.server.tls;
  if (!tls) return undefined;
  const served = await configured(tls.certificateFile, tls.keyFile, 'server.tls');
  return { cert: [served.cert, ...served.chain].join('\n'), key: served.key };
}
