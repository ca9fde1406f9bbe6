import type { AuditDraft } from '../audit/chain.ts';
import { CREDENTIAL_OPERATIONS, nextCredentialStatus, type CredentialOperation } from '../core/credential/status.ts';
import { ChangeSet } from '../mur/change-set.ts';
import type { RevocationReason } from '../pki/crl.ts';
import type { Tx } from '../store/store.ts';
import {
  holdCertificates,
  releaseCertificates,
  removeAuthenticators,
  revokeCertificates,
  setAuthenticatorStatus,
  setCredentialStatus,
  type CertificateChange,
  type CredentialRow,
} from './credential-repository.ts';

const EVENT_OF: Record<CredentialOperation, string> = {
  activate: 'credential.activated',
  suspend: 'credential.suspended',
  reinstate: 'credential.reinstated',
  terminate: 'credential.terminated',
};

export interface Transition {
  readonly operation: CredentialOperation;
  readonly credentials: readonly CredentialRow[];
  readonly actor: string;
  /** Why, in words: goes to the audit entry. */
  readonly why: string;
  /** RFC 5280 reason of a termination's revocations. */
  readonly revocationReason?: RevocationReason;
  /** Merged into each credential's details (e.g. who suspended it). */
  readonly details?: Record<string, unknown>;
  /** What caused it (job and event ids, a request's approver), copied into every event and audit entry. */
  readonly cause?: Record<string, unknown>;
  readonly now: Date;
}

interface Effects {
  readonly certificates: CertificateChange[];
  readonly authenticators: string[];
}

async function effects(tx: Tx, t: Transition, ids: readonly string[]): Promise<Effects> {
  switch (t.operation) {
    case 'activate':
      return { certificates: [], authenticators: [] };
    case 'suspend':
      return { certificates: await holdCertificates(tx, ids, t.now), authenticators: await setAuthenticatorStatus(tx, ids, 'suspended') };
    case 'reinstate':
      return { certificates: await releaseCertificates(tx, ids, t.now), authenticators: await setAuthenticatorStatus(tx, ids, 'active') };
    case 'terminate':
      return { certificates: await revokeCertificates(tx, ids, t.revocationReason ?? 'unspecified', t.now, undefined, causeEventOf(t)), authenticators: await removeAuthenticators(tx, ids) };
  }
}

/** The domain event whose job makes the transition, as its cause names it. */
function causeEventOf(t: Transition): number | null {
  const id = t.cause?.event_id;
  return typeof id === 'number' ? id : null;
}

/**
 * Moves credentials through one operation of the credential state machine: the rows, their certificates (hold,
 * release, revoke) and WebAuthn authenticators (disable, enable, remove). Refuses a state the operation does not
 * start from. Returns the events and audit entries to commit in the same transaction.
 */
export async function applyTransition(tx: Tx, t: Transition): Promise<ChangeSet> {
  const changes = new ChangeSet();
  if (t.credentials.length === 0) return changes;
  for (const c of t.credentials) nextCredentialStatus(t.operation, c.status, c.id);
  const to = CREDENTIAL_OPERATIONS[t.operation].to;
  const ids = t.credentials.map((c) => c.id);
  await setCredentialStatus(tx, ids, to, t.now, t.details);
  const done = await effects(tx, t, ids);
  for (const c of t.credentials) changes.events.push(eventOf(t, c, to, done));
  changes.audits.push(...done.certificates.map((r) => certificateAudit(t, credentialOf(t, r), r)));
  return changes;
}

function credentialOf(t: Transition, change: CertificateChange): CredentialRow {
  return t.credentials.find((c) => c.id === change.credential_id) as CredentialRow;
}

function eventOf(t: Transition, c: CredentialRow, to: string, done: Effects): ChangeSet['events'][number] {
  const serials = done.certificates.filter((r) => r.credential_id === c.id).map((r) => r.serial);
  const payload = {
    credential_id: c.id,
    type: c.type,
    reference: c.reference,
    from: c.status,
    to,
    certificates: serials,
    ...(t.operation === 'terminate' ? { revocation_reason: t.revocationReason ?? 'unspecified', authenticators_removed: done.authenticators.length } : {}),
    ...(t.cause ?? {}),
  };
  const type = EVENT_OF[t.operation];
  return { type, identityId: c.identity_id, payload, audit: { actor: t.actor, action: type, target: c.identity_id, reason: t.why, data: payload } };
}

function certificateAudit(t: Transition, c: CredentialRow, r: CertificateChange): AuditDraft {
  const action = t.operation === 'reinstate' ? 'certificate.released' : t.operation === 'suspend' ? 'certificate.held' : 'certificate.revoked';
  const reason = t.operation === 'suspend' ? 'certificateHold' : t.operation === 'reinstate' ? 'removeFromCRL' : (t.revocationReason ?? 'unspecified');
  return { actor: t.actor, action, target: c.identity_id, reason, data: { serial: r.serial, profile: r.profile, credential_id: r.credential_id, ...(t.cause ?? {}) } };
}
