import { OcspResponder, ocspListener, type OcspListener } from '../protocols/ocsp/index.ts';
import type { Muster } from './context.ts';
import { renewResponderIfDue, type CaMaterial } from '../pki/store/ca-store.ts';
import { responderNeedsRenewal } from '../pki/store/responder.ts';
import { PKI_PATHS, caStoreOptions } from './pki.ts';

const RENEWAL_CHECK_MS = 6 * 3_600_000;
const RENEWAL_JITTER_MS = 5 * 60_000;
/** The periodic task that renews the OCSP responder certificate when it nears its end (every six hours). */
export const RESPONDER_RENEWAL_TASK = 'pki.ocsp-responder-renewal';
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
  const responder = new OcspResponder({ issuer: ca.issuing, responder: ca.responder, clock, validityMinutes: config.pki.ocspValidityMinutes, requestCacheEntries: config.pki.ocspRequestCacheEntries });
  const publisher = new RevocationPublisher({
    store,
    clock,
    issuing: ca.issuing,
    root: ca.root,
    responder,
    pollMs: config.pki.publishPollMs,
    scheduler: muster.scheduler,
    crlRefreshHours: config.pki.crlRefreshHours,
    crlValidityHours: config.pki.crlValidityHours,
    ocspValidityMinutes: config.pki.ocspValidityMinutes,
    ...(onError ? { onError } : {}),
  });
  await publisher.start();
  const listener: OcspListener = (request, response) => listenerOf(publisher.responder)(request, response);
  let material = ca;
  muster.scheduler.add({
    name: RESPONDER_RENEWAL_TASK,
    everyMs: RENEWAL_CHECK_MS,
    jitterMs: RENEWAL_JITTER_MS,
    run: async () => {
      material = await renewIfDue(muster, material, publisher).catch((error: unknown) => {
        onError?.(error);
        throw error;
      });
    },
  });
  return {
    get responder() {
      return publisher.responder;
    },
    publisher,
    listener,
    stop: async () => {
      await muster.scheduler.remove(RESPONDER_RENEWAL_TASK);
      await publisher.stop();
    },
  };
}

/** The HTTP listener of whichever responder the publisher answers with now (it changes on renewal). */
const LISTENERS = new WeakMap<OcspResponder, OcspListener>();
function listenerOf(responder: OcspResponder): OcspListener {
  let listener = LISTENERS.get(responder);
  if (!listener) LISTENERS.set(responder, (listener = ocspListener(responder, { path: PKI_PATHS.ocsp })));
  return listener;
}

/** Every few hours: when the responder certificate nears its end, a new one is issued and takes over, pre-signed. */
async function renewIfDue(muster: Muster, ca: CaMaterial, publisher: RevocationPublisher): Promise<CaMaterial> {
  if (!responderNeedsRenewal(ca.responder.certificate, ca.issuing, muster.clock.now())) return ca;
  const signer = await renewResponderIfDue(muster.store, ca, await caStoreOptions(muster.config, muster.clock));
  const next = new OcspResponder({
    issuer: ca.issuing,
    responder: signer,
    clock: muster.clock,
    validityMinutes: muster.config.pki.ocspValidityMinutes,
    requestCacheEntries: muster.config.pki.ocspRequestCacheEntries,
  });
  await publisher.replaceResponder(next);
  return { ...ca, responder: signer };
}
