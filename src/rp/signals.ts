/**
 * The shared-signal receiver: SSF push deliveries (RFC 8935) verified against the IdP's
 * transmitter keys, each event mapped to the subscriber account by its federated identifier and
 * handled with the action the trust agreement names for it.
 */
import { holdsIdentifier, type Account } from './accounts.ts';
import { applyAction } from './account-actions.ts';
import { agreementFor, agreementsWith, type TrustAgreements } from './agreements.ts';
import type { FederatedIdentifier } from './assertion.ts';
import { RpError, isRpError } from './errors.ts';
import type { RpFetch } from './fetch.ts';
import { SIGNAL_EVENTS, SSF_STREAM_UPDATED_EVENT, SSF_VERIFICATION_EVENT, type SignalName } from './profile.ts';
import { at, type AccountServices } from './provisioning.ts';
import { MemoryReplayStore, type ReplayStore } from './replay.ts';
import { createSetVerifier, federatedSubject, setError, type VerifiedSet } from './set-verify.ts';

export interface SignalReceiverOptions {
  /** The transmitter's issuer, which is the IdP's issuer. */
  readonly issuer: string;
  /** This RP's client_id: the SETs' audience. */
  readonly audience: string;
  readonly agreements: TrustAgreements;
  readonly services: AccountServices;
  /** The Authorization header value the transmitter was given for push delivery, if any. */
  readonly authorization?: string;
  readonly replay?: ReplayStore;
  readonly fetch?: RpFetch;
  readonly allowInsecureHttp?: boolean;
}

export interface PushRequest {
  readonly body: string;
  readonly contentType: string | undefined;
  readonly authorization?: string | undefined;
}

export interface PushResponse {
  readonly status: 202 | 400 | 503;
  readonly body?: { readonly err?: string; readonly description: string };
}

export interface SignalReceiver {
  /** Handles one push delivery: 202, 400 with the RFC 8935 error, or 503 when the keys cannot be read. */
  receive(request: PushRequest): Promise<PushResponse>;
  /** Verifies and applies one SET; throws RP_ERR_SIGNAL with the RFC 8935 error when refused. */
  processSet(compact: string): Promise<void>;
}

const NAME_OF_EVENT = new Map(Object.entries(SIGNAL_EVENTS).map(([name, uri]) => [uri as string, name as SignalName]));
const STREAM_EVENTS = new Set([SSF_VERIFICATION_EVENT, SSF_STREAM_UPDATED_EVENT]);

export function createSignalReceiver(options: SignalReceiverOptions): SignalReceiver {
  const verify = createSetVerifier(options);
  const replay = options.replay ?? new MemoryReplayStore();
  const processSet = async (compact: string) => {
    const set = await verify(compact);
    const key = `${options.issuer} ${set.jti}`;
    if (!(await replay.claim(key))) throw setError('invalid_request', `SET ${set.jti} was already received`);
    try {
      await applyEvents(options, set);
    } catch (error) {
      await replay.release(key);
      throw error;
    }
  };
  return { processSet, receive: (request) => receive(options, processSet, request) };
}

async function receive(options: SignalReceiverOptions, processSet: (compact: string) => Promise<void>, request: PushRequest): Promise<PushResponse> {
  if (options.authorization !== undefined && request.authorization !== options.authorization) return refused('authentication_failed', 'the push was not authorized');
  if (!/^application\/secevent\+jwt\s*(;|$)/i.test(request.contentType ?? '')) return refused('invalid_request', 'Content-Type must be application/secevent+jwt');
  try {
    await processSet(request.body.trim());
    return { status: 202 };
  } catch (error) {
    if (isRpError(error, 'RP_ERR_SIGNAL')) return refused(error.details.setErr ?? 'invalid_request', error.message);
    if (isRpError(error, 'RP_ERR_DISCOVERY')) return { status: 503, body: { description: error.message } };
    throw error;
  }
}

function refused(err: string, description: string): PushResponse {
  return { status: 400, body: { err, description } };
}

async function applyEvents(options: SignalReceiverOptions, set: VerifiedSet): Promise<void> {
  for (const [uri, payload] of Object.entries(set.events)) {
    if (STREAM_EVENTS.has(uri)) continue;
    const name = NAME_OF_EVENT.get(uri);
    if (name === undefined) {
      await options.services.log.record({ at: at(options.services), event: 'signal-ignored', detail: `unknown event type ${uri} in SET ${set.jti}` });
      continue;
    }
    await applyEvent(options, set, name, payload);
  }
}

async function applyEvent(options: SignalReceiverOptions, set: VerifiedSet, name: SignalName, payload: Record<string, unknown>): Promise<void> {
  const subject = set.subject;
  if (!subject) throw setError('invalid_request', `${name}: sub_id must be iss_sub, or complex with an iss_sub user`);
  if (subject.iss !== options.issuer) throw setError('access_denied', `${options.issuer} may not signal about subjects of ${subject.iss}`);
  const { services } = options;
  const account = await services.accounts.findByIdentifier(subject);
  const held = account && holdsIdentifier(account, subject);
  if (!account || held === 'retired') {
    await services.log.record({ at: at(services), event: 'signal-ignored', identifier: subject, detail: `${name}: no account holds this identifier (SET ${set.jti})` });
    return;
  }
  const action = agreedAction(options, account, name);
  if (action === undefined) {
    await services.log.record({ at: at(services), event: 'signal-not-agreed', accountId: account.id, identifier: subject, detail: `${name} (SET ${set.jti})` });
    return;
  }
  const newIdentifier = name === 'federated-identifier-changed' ? newSubject(payload) : undefined;
  await services.log.record({ at: at(services), event: 'signal-received', accountId: account.id, identifier: subject, detail: `${name} → ${action} (SET ${set.jti})` });
  await applyAction(services, action, account, { reason: `signal ${name} (SET ${set.jti})`, subject, ...(newIdentifier ? { newIdentifier } : {}) });
}

function agreedAction(options: SignalReceiverOptions, account: Account, name: SignalName) {
  const agreement = agreementFor(options.agreements, account.homeAgency, account.affiliations) ?? agreementsWith(options.agreements, options.issuer)[0];
  return agreement?.issuer === options.issuer ? agreement.signals[name] : undefined;
}

function newSubject(payload: Record<string, unknown>): FederatedIdentifier {
  const next = payload.new_sub_id as Record<string, unknown> | undefined;
  if (next?.format !== 'iss_sub') throw setError('invalid_request', 'federated-identifier-changed needs new_sub_id of format iss_sub');
  const identifier = federatedSubject(next);
  if (!identifier) throw new RpError('RP_ERR_SIGNAL', 'new_sub_id is not an iss_sub subject', { setErr: 'invalid_request' });
  return identifier;
}
