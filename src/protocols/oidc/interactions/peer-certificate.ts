import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import type { X509Certificate } from '../../../pki/x509.ts';
import { parsedCertificate } from './certificate-cache.ts';
import { SignInRefused } from './refusal.ts';

/** The client certificate of a TLS connection and the other certificates the client sent. */
export interface PeerCertificates {
  readonly leaf: X509Certificate;
  /**
   * The certificates above the leaf, read when asked: only another agency's certificate needs them to build its path,
   * and Node's detailed reading of the chain costs more than the rest of a sign-in's certificate checks.
   */
  offered(): readonly X509Certificate[];
}

const MAX_CHAIN = 8;

export function isTls(socket: Socket): socket is TLSSocket {
  return typeof (socket as Partial<TLSSocket>).getPeerCertificate === 'function';
}

function parse(raw: Buffer): X509Certificate {
  try {
    return parsedCertificate(new Uint8Array(raw));
  } catch {
    throw new SignInRefused('unreadable-certificate', 'the certificate the browser presented cannot be read');
  }
}

/**
 * Reads the client certificate from the socket. The listener's own verdict (`authorized`) is ignored: muster checks
 * the certificate itself, against its own records and anchors.
 */
export function peerCertificates(socket: Socket): PeerCertificates {
  if (!isTls(socket)) throw new SignInRefused('no-certificate', 'certificate sign-in is only offered over the mutual-TLS address');
  // not getPeerX509Certificate(): it is cheaper still, but Node then loses the chain for a later getPeerCertificate(true)
  const presented = socket.getPeerCertificate(false) as PeerCertificate | Record<string, never>;
  if (!presented || !('raw' in presented) || !presented.raw)
    throw new SignInRefused('no-certificate', 'the browser presented no certificate; insert your PIV card (or choose your Derived PIV certificate) and try again');
  let offered: readonly X509Certificate[] | undefined;
  return { leaf: parse(presented.raw), offered: () => (offered ??= chainAbove(socket)) };
}

/**
 * The certificates above the leaf, as Node links them: those the client sent, completed from the listener's anchors.
 * Node gives none when the handshake verified the chain against those anchors, nor on a resumed session; another
 * agency's intermediate CAs are therefore also configured (`federation.mtls.foreignIntermediateFiles`).
 */
function chainAbove(socket: TLSSocket): X509Certificate[] {
  const first = socket.getPeerCertificate(true) as DetailedPeerCertificate | Record<string, never>;
  const offered: X509Certificate[] = [];
  let at: DetailedPeerCertificate | undefined = 'raw' in first ? first.issuerCertificate : undefined;
  while (at?.raw && at !== at.issuerCertificate && offered.length < MAX_CHAIN) {
    offered.push(parse(at.raw));
    at = at.issuerCertificate;
  }
  if (at?.raw && at === at.issuerCertificate && offered.length < MAX_CHAIN) offered.push(parse(at.raw));
  return offered;
}
