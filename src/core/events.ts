/**
 * Domain event types and the jobs each one causes. The outbox planner reads this table; a later
 * part adds its job kinds here rather than branching on event types in shared code.
 */
export interface EventTypeDescriptor {
  readonly type: string;
  readonly summary: string;
  /** Job kinds queued, in the same transaction, for every event of this type. */
  readonly jobs: readonly string[];
  /** Its jobs are claimed before any normal job: the event ends trust or access, which must not wait behind bulk work. */
  readonly urgent: boolean;
}

/** The outbox claims jobs by priority, then in order: urgent ones first. */
export const JOB_PRIORITY = Object.freeze({ urgent: 0, normal: 1 });

/** The priority of the jobs an event of `type` causes. */
export function jobPriorityOf(type: string): number {
  return eventType(type).urgent ? JOB_PRIORITY.urgent : JOB_PRIORITY.normal;
}

/** PIV federation: end the identity's OP sessions and tokens (or a credential's) with back-channel logouts; signal relying parties (SSF); push to RPs' provisioning APIs. */
const SESSIONS_END = 'federation.sessions.end';
const SIGNAL = 'federation.signal';
const PROVISION = 'federation.provision';
/** Access granted by request waits for its owner's approval again after a move (governance.requests.moverReapproval). */
const MOVER_REAPPROVAL = 'governance.mover-reapproval';
/** An operator who leaves, goes on leave, is held or suspended loses its tokens. */
const OPERATOR_TOKENS = 'operators.revoke-tokens';
/** Targets that map PIV certificates for smart card logon (Active Directory) follow the holder's cards. */
const CARD_MAPPING = 'provisioning.certificates';
/** Targets whose accounts name their manager's account (Active Directory's `manager`) follow the MUR's manager. */
const MANAGER = 'provisioning.manager';

const d = (type: string, summary: string, jobs: readonly string[] = []): EventTypeDescriptor => Object.freeze({ type, summary, jobs, urgent: false });
/** An event that ends trust or access: its jobs go ahead of the queue. */
const urgent = (type: string, summary: string, jobs: readonly string[]): EventTypeDescriptor => Object.freeze({ type, summary, jobs, urgent: true });

export const EVENT_TYPES: readonly EventTypeDescriptor[] = Object.freeze([
  d('identity.joiner', 'a new identity entered the MUR', ['access.recompute', PROVISION]),
  d('identity.historical', 'a person the source lists as already terminated entered the MUR, so that a rehire finds them'),
  d('identity.activated', 'a pending identity became active', ['access.recompute', PROVISION]),
  d('identity.mover', 'role attributes changed (department, component, title, location, manager, user type)', [MOVER_REAPPROVAL, 'access.recompute', MANAGER, PROVISION, SIGNAL]),
  d('identity.updated', 'other attributes changed (name, email, affiliations)', ['access.recompute', PROVISION, SIGNAL]),
  urgent('identity.leave', 'the identity went on leave', [OPERATOR_TOKENS, 'access.recompute', 'credentials.suspend', SESSIONS_END, SIGNAL, PROVISION]),
  urgent('identity.suspended', 'the identity was suspended', [OPERATOR_TOKENS, 'access.recompute', 'credentials.suspend', SESSIONS_END, SIGNAL, PROVISION]),
  d('identity.return', 'the identity returned from leave or suspension', ['access.recompute', 'credentials.restore', SIGNAL, PROVISION]),
  urgent('identity.leaver', 'the identity left: disabled and terminated', [OPERATOR_TOKENS, SESSIONS_END, SIGNAL, 'access.recompute', 'npe.sponsor-left', 'credentials.terminate', PROVISION]),
  d('identity.rehire', 'a terminated identity was rehired and reused', ['access.recompute', SIGNAL, PROVISION]),
  urgent('identity.disabled', 'the identity was disabled (NPE expiry)', [OPERATOR_TOKENS, 'access.recompute', SESSIONS_END, SIGNAL, PROVISION]),
  d('identity.sponsor-changed', "an NPE's sponsor changed"),
  d('trust.changed', 'vetting (TRUST) changed', ['access.recompute', SIGNAL, 'credentials.eligibility-restore']),
  urgent('trust.withdrawn', 'eligibility unfavorable or none, or the investigation revoked: every card and derived credential ends', ['credentials.eligibility-withdraw', SESSIONS_END]),
  urgent('trust.held', 'eligibility pending or the investigation expired: every card and derived credential is held', ['credentials.eligibility-hold', SESSIONS_END]),
  d('behave.changed', 'training (BEHAVE) changed', ['access.recompute']),
  d('access.granted', 'access requested from the catalogue was granted after its approvals (or re-approved after a move)', ['access.recompute']),
  urgent('access.ended', 'access granted by request ended: its end date passed, it was ended, or a move awaits its re-approval', ['access.recompute', SIGNAL]),
  d('access.activated', 'an eligible person activated just-in-time privileged access after a fresh AAL3 sign-in', ['access.recompute']),
  urgent('access.deactivated', 'a just-in-time activation reached its expiry: the access and the role claims it gave end', ['access.recompute', SIGNAL]),
  urgent('rp.access-ended', "the identity's access to one relying party ended (a certification campaign revoked it, or the subscriber withdrew consent): its sessions there end and the RP is told", [
    SESSIONS_END,
    SIGNAL,
    PROVISION,
  ]),
  d('rp.access-restored', "a campaign's revocation of the identity's access to one relying party was lifted: the RP is told, its account pushed again", [SIGNAL, PROVISION]),
  d('dispute.opened', 'a record matched several identities, or one below the confidence threshold'),
  d('dispute.resolved', 'a person resolved a disputed case'),
  d('credential.issued', 'a PIV card and its PIV Authentication and Card Authentication certificates were issued', [CARD_MAPPING]),
  urgent('credential.terminated', 'a credential was terminated and its certificates revoked', [SIGNAL, SESSIONS_END, CARD_MAPPING]),
  d('credential.activated', 'an issued PIV card was activated', [CARD_MAPPING]),
  urgent('credential.suspended', 'a credential was suspended: its certificates are on hold, its authenticators disabled', [SIGNAL, SESSIONS_END, CARD_MAPPING]),
  d('credential.reinstated', 'a suspended credential was reinstated: holds released, authenticators enabled', [SIGNAL, CARD_MAPPING]),
  d('credential.updated', 'a post-issuance update replaced certificates on a card without changing its FASC-N or UUID', [CARD_MAPPING]),
  d('credential.reissued', 'a PIV card was replaced by a new one (new FASC-N and card UUID; the identity unchanged)', [SIGNAL, CARD_MAPPING]),
  d('credential.bound', 'a Derived PIV credential was bound after a PIV Authentication', ['credentials.notify-binding', SIGNAL]),
  d('credential.review', 'a Derived PIV credential bound shortly before its card was lost or reissued was flagged for review'),
  d('exception.granted', 'a documented credential policy exception was approved'),
  d('exception.ended', 'a credential policy exception expired or was ended'),
]);

const BY_TYPE = new Map(EVENT_TYPES.map((e) => [e.type, e]));

export function eventType(type: string): EventTypeDescriptor {
  const found = BY_TYPE.get(type);
  if (!found) throw new TypeError(`unknown event type ${type}`);
  return found;
}

export interface DomainEvent {
  readonly type: string;
  readonly identityId: string | null;
  readonly payload: Record<string, unknown>;
}
