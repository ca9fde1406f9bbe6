import { aalRank } from '../../../core/federation/profile.ts';
import type { Tx } from '../../../store/store.ts';
import { activeCredentials, bestAal, caepCredential, credentialFacts, type CredentialFacts } from './credentials.ts';
import type { SignalDraft } from './queue.ts';

/** A domain event from the `events` table. */
export interface SignalCause {
  readonly id: number;
  readonly type: string;
  readonly identityId: string | null;
  readonly payload: Record<string, unknown>;
  readonly occurredAt: Date;
}

type Initiator = 'admin' | 'user' | 'policy' | 'system';

function common(cause: SignalCause, initiating: Initiator, reason: string): Record<string, unknown> {
  return { event_timestamp: Math.floor(cause.occurredAt.getTime() / 1000), initiating_entity: initiating, reason_admin: { en: reason } };
}

/** Identity status events → RISC/CAEP (STANDARDS §5.8): what each means for the RPs. */
const IDENTITY_SIGNALS: Readonly<Record<string, { readonly disable: boolean; readonly reason: string }>> = {
  'identity.leaver': { disable: true, reason: 'The PIV identity account was terminated: the person left the agency.' },
  'identity.leave': { disable: true, reason: 'The PIV identity account is suspended while the person is on leave.' },
  'identity.suspended': { disable: true, reason: 'The PIV identity account was suspended.' },
  'identity.disabled': { disable: true, reason: 'The PIV identity account was disabled.' },
  'identity.return': { disable: false, reason: 'The PIV identity account is active again: the person returned.' },
  'identity.rehire': { disable: false, reason: 'The PIV identity account is active again: the person was rehired.' },
};

/** Credential events → CAEP credential-change `change_type`. */
const CHANGE_TYPES: Readonly<Record<string, 'create' | 'revoke' | 'update'>> = {
  'credential.terminated': 'revoke',
  'credential.suspended': 'revoke',
  'credential.reinstated': 'update',
  'credential.reissued': 'create',
  'credential.bound': 'create',
  'credential.activated': 'create',
  'credential.updated': 'update',
};

/** The signals a domain event causes; empty for events that concern no relying party. */
export async function signalsOf(tx: Tx, cause: SignalCause): Promise<SignalDraft[]> {
  const identity = IDENTITY_SIGNALS[cause.type];
  if (identity) return identityDrafts(cause, identity.disable, identity.reason);
  if (CHANGE_TYPES[cause.type]) return credentialDrafts(tx, cause);
  if (cause.type === 'identity.updated' || cause.type === 'identity.mover') return emailDrafts(cause);
  if (cause.type === 'access.deactivated' || cause.type === 'access.ended') return rolesDrafts(cause);
  if (cause.type === 'rp.access-ended' || cause.type === 'rp.access-restored') return relyingPartyDrafts(cause);
  return [];
}

/**
 * The identity's access to one relying party ended or came back: only that RP hears of it. Revoked by a
 * certification campaign, the account the RP keeps for the identity (its own subject identifier) is disabled (RISC
 * account-disabled) and its sessions end (CAEP session-revoked); consent withdrawn by the subscriber ends the
 * sessions only (the next sign-in asks for consent again); a revocation lifted enables the account (RISC account-enabled).
 */
function relyingPartyDrafts(cause: SignalCause): SignalDraft[] {
  const clientId = typeof cause.payload.client_id === 'string' ? cause.payload.client_id : undefined;
  if (!clientId) return [];
  const reason = typeof cause.payload.reason === 'string' ? cause.payload.reason : cause.type;
  if (cause.type === 'rp.access-restored') return [{ signal: 'account-enabled', clientId, payload: common(cause, 'admin', `access restored: ${reason}`) }];
  if (cause.payload.cause === 'consent-withdrawn') return [{ signal: 'session-revoked', clientId, payload: common(cause, 'user', reason) }];
  const fields = common(cause, 'admin', `access revoked: ${reason}`);
  return [
    { signal: 'account-disabled', clientId, payload: fields },
    { signal: 'session-revoked', clientId, payload: fields },
  ];
}

/**
 * CAEP token-claims-change when access held by request ended (a just-in-time activation, or a grant): `claims` holds
 * the new `roles`, and only RPs whose agreement releases roles (and so received them in an ID token) hear of it.
 */
function rolesDrafts(cause: SignalCause): SignalDraft[] {
  if (cause.payload.kind === 'rp') return [];
  const roles = Array.isArray(cause.payload.roles) ? cause.payload.roles.map(String) : [];
  const item = typeof cause.payload.item === 'string' ? cause.payload.item : 'access';
  const what = cause.type === 'access.deactivated' ? `just-in-time activation of ${item} ended` : `${item} granted by request ended`;
  return [{ signal: 'token-claims-change', releases: 'roles', payload: { claims: { roles }, ...common(cause, 'policy', what) } }];
}

/**
 * RISC identifier-changed when the MUR's email address changed: muster is authoritative for it (HR or the IdMS), the
 * subject is the old address and `new-value` the new one, and only RPs whose agreement releases email hear of it.
 */
function emailDrafts(cause: SignalCause): SignalDraft[] {
  const email = (cause.payload.changed as Record<string, { from?: unknown; to?: unknown }> | undefined)?.email;
  if (typeof email?.from !== 'string' || typeof email.to !== 'string' || email.from === email.to) return [];
  const [from, to] = [email.from, email.to];
  return [
    {
      signal: 'identifier-changed',
      releases: 'email',
      subject: () => ({ format: 'email', email: from }),
      payload: { 'new-value': to, ...common(cause, 'system', 'the email address on record changed') },
    },
  ];
}

function identityDrafts(cause: SignalCause, disable: boolean, reason: string): SignalDraft[] {
  const fields = common(cause, 'policy', reason);
  if (!disable) return [{ signal: 'account-enabled', payload: fields }];
  return [
    { signal: 'account-disabled', payload: fields },
    { signal: 'session-revoked', payload: fields },
  ];
}

async function credentialDrafts(tx: Tx, cause: SignalCause): Promise<SignalDraft[]> {
  const credential = typeof cause.payload.credential_id === 'string' ? await credentialFacts(tx, cause.payload.credential_id) : undefined;
  if (!credential || !cause.identityId) return [];
  const changeType = CHANGE_TYPES[cause.type] as string;
  const reason = `${cause.type.replace('credential.', 'credential ')}${cause.payload.reason ? ` (${String(cause.payload.reason)})` : ''}`;
  const change: SignalDraft = { signal: 'credential-change', payload: { ...(await caepCredential(tx, credential)), change_type: changeType, ...common(cause, 'admin', reason) } };
  const assurance = await assuranceDraft(tx, cause, credential);
  return assurance ? [change, assurance] : [change];
}

/**
 * CAEP assurance-level-change when the event moved the identity's best available AAL (e.g. its PIV card ended and
 * only a software-key Derived PIV credential remains: nist-aal3 → nist-aal2). Only for active identities: for the
 * others the account signals say more.
 */
async function assuranceDraft(tx: Tx, cause: SignalCause, credential: CredentialFacts): Promise<SignalDraft | undefined> {
  const [identity] = await tx.query<{ status: string }>('SELECT status FROM identities WHERE id = $1', [cause.identityId]);
  if (identity?.status !== 'active') return undefined;
  const current = await activeCredentials(tx, cause.identityId as string);
  const others = current.filter((c) => c.id !== credential.id);
  const wasActive = cause.payload.from === 'active' || (cause.payload.from === undefined && credential.status === 'active' && !['credential.bound', 'credential.activated'].includes(cause.type));
  const previous = bestAal(wasActive ? [...others, { ...credential, status: 'active' }] : others);
  const now = bestAal(current);
  if (!previous || !now || previous === now) return undefined;
  const direction = aalRank(now) > aalRank(previous) ? 'increase' : 'decrease';
  return {
    signal: 'assurance-level-change',
    payload: {
      namespace: 'NIST-AAL',
      current_level: `nist-${now}`,
      previous_level: `nist-${previous}`,
      change_direction: direction,
      ...common(cause, 'system', `best available authenticator assurance is now ${now.toUpperCase()}`),
    },
  };
}
