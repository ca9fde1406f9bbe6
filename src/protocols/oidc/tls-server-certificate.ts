/** What the mutual-TLS listener serves with (src/runtime/tls-server.ts makes it). */
export interface TlsServerCredentials {
  readonly key: string;
  readonly cert: string;
  /** The CA certificates sent after the server certificate (its issuer first). */
  readonly chain: string[];
  /** The trust anchors for client certificates (muster's PIV CA, and other agencies'). */
  readonly ca: string[];
  readonly notAfter: Date;
}
