import { OcspResponder, ocspListener, type OcspListener } from '../protocols/ocsp/index.ts';
import type { Muster } from './context.ts';
import { PKI_PATHS } from './pki.ts';
import { RevocationPublisher } from './revocation-publisher.ts';

/** What `muster serve` runs for its CA: the OCSP responder behind its HTTP listener, and the CRL/OCSP publisher. */
export interface PkiServing {
  readonly responder: OcspResponder;
  readonly publisher: RevocationPublisher;
  /** Mounted before the admin app: answers `/ocsp` (POST, and GET `/ocsp/{base64}`). */
  readonly listener: OcspListener;
  stop(): Promise<void>;
}

/**
 * Loads (or creates) the CA, pre-signs an OCSP answer for every certificate, publishes a CRL if the last is stale,
 * then keeps both in step with the store until stopped.
 */
export async function startPkiServing(muster: Muster, onError?: (error: unknown) => void): Promise<PkiServing> {
  const { config, store, clock } = muster;
  const ca = await muster.ca();
  const responder = new OcspResponder({ issuer: ca.issuing, responder: ca.responder, clock, validityMinutes: config.pki.ocspValidityMinutes });
  const publisher = new RevocationPublisher({
    store, clock, issuing: ca.issuing, responder, pollMs: config.pki.publishPollMs,
    crlRefreshHours: config.pki.crlRefreshHours, crlValidityHours: config.pki.crlValidityHours, ocspValidityMinutes: config.pki.ocspValidityMinutes,
    ...(onError ? { onError } : {}),
  });
  await publisher.start();
  return { responder, publisher, listener: ocspListener(responder, { path: PKI_PATHS.ocsp }), stop: () => publisher.stop() };
}
