import { MusterError } from '../../core/errors.ts';
import { SIGNAL_EVENTS } from '../../core/federation/profile.ts';
import type { TrustAgreement } from '../../core/federation/agreement.ts';
import { agreementOfClient, type ClientAgreement } from '../../federation/agreements.ts';
import type { Queryable } from '../../store/store.ts';

/** A stream-management caller, as a ReceiverAuthenticator found it. */
export interface AuthenticatedReceiver {
  readonly clientId: string;
  readonly scopes: readonly string[];
}

/**
 * The port that authenticates an event receiver from the request's Authorization header: its client id and the
 * scopes it holds (`ssf.manage`, `ssf.read`), or undefined when the header proves nothing.
 */
export type ReceiverAuthenticator = (authorizationHeader: string | undefined) => Promise<{ clientId: string; scopes: string[] } | undefined>;

export const MANAGE_SCOPE = 'ssf.manage';
export const READ_SCOPE = 'ssf.read';
/** The scopes a receiver asks the OP for (client credentials grant). */
export const RECEIVER_SCOPES = [MANAGE_SCOPE, READ_SCOPE] as const;

/** A receiver with the agreement that lets it receive signals. */
export interface Receiver {
  readonly clientId: string;
  readonly client: ClientAgreement;
  /** The event types its agreement lists: nothing else is ever delivered to it. */
  readonly supported: readonly string[];
}

export function agreementEvents(agreement: TrustAgreement): string[] {
  return [...new Set(agreement.document.signals.map((s) => SIGNAL_EVENTS[s.event as keyof typeof SIGNAL_EVENTS]))];
}

/** The receiver behind an authenticated caller; 403 without the scope, or without an active trust agreement. */
export async function receiverFor(db: Queryable, caller: AuthenticatedReceiver, needs: 'manage' | 'read'): Promise<Receiver> {
  const allowed = needs === 'manage' ? [MANAGE_SCOPE] : [MANAGE_SCOPE, READ_SCOPE];
  if (!caller.scopes.some((s) => allowed.includes(s))) {
    throw new MusterError('MUSTER_ERR_FORBIDDEN', `receiver ${caller.clientId} needs scope ${allowed.join(' or ')}`, [
      { field: 'scope', value: caller.scopes.join(' '), message: `needs ${allowed.join(' or ')}` },
    ]);
  }
  const client = await agreementOfClient(db, caller.clientId);
  if (!client)
    throw new MusterError('MUSTER_ERR_FORBIDDEN', `receiver ${caller.clientId} has no active trust agreement`, [{ field: 'client_id', value: caller.clientId, message: 'no active trust agreement' }]);
  return { clientId: caller.clientId, client, supported: agreementEvents(client.agreement) };
}
