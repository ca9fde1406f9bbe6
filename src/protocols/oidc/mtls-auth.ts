import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Client certificates over the mutual-TLS listener, as oidc-provider's `features.mTLS` asks for them. A request on the
 * plain listener has none, so tls_client_auth works only at the mTLS endpoint aliases.
 */

function tlsSocket(ctx: KoaContextWithOIDC): TLSSocket | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  return typeof socket.getPeerX509Certificate === 'function' ? (socket as TLSSocket) : undefined;
}

export function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  return tlsSocket(ctx)?.getPeerX509Certificate();
}

/** The certificate chains to a CA the listener trusts (muster's CA). */
export function certificateAuthorized(ctx: KoaContextWithOIDC): boolean {
  return tlsSocket(ctx)?.authorized === true;
}

/** A distinguished name as a sorted list of `TYPE=value` (RFC 4514 or OpenSSL's one-per-line form). */
export function normalizedDn(dn: string): string[] {
  const parts = dn.includes('\n') ? dn.split('\n') : dn.split(/(?<!\\),/);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const at = p.indexOf('=');
      return `${p.slice(0, at).trim().toUpperCase()}=${p.slice(at + 1).trim()}`;
    })
    .sort();
}

/** tls_client_auth_subject_dn: the certificate's subject equals the registered DN. Other properties are not used. */
export function certificateSubjectMatches(ctx: KoaContextWithOIDC, property: string, expected: string): boolean {
  const cert = peerCertificate(ctx);
  if (!cert || property !== 'tls_client_auth_subject_dn') return false;
  return normalizedDn(cert.subject).join(',') === normalizedDn(expected).join(',');
}
