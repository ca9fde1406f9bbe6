/**
 * The leaver evidence bundle: what muster says happened when HR said a person left, with the signed artefacts an
 * auditor checks without muster (OCSP responses, CRLs, the CA chain, audit entries up to a signed checkpoint).
 * Binary artefacts are base64 DER; times are ISO 8601 UTC. docs/evidence.md describes every field.
 */

export const EVIDENCE_FORMAT = 'muster-leaver-evidence/v1';
/** The JWS `typ` of a bundle. */
export const EVIDENCE_JWS_TYPE = 'muster-evidence+jws';

export interface EvidenceBody {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly producedAt: string;
  readonly producedBy: string;
  readonly identityId: string;
  readonly event: EvidenceEvent;
  readonly certificates: readonly EvidenceCertificate[];
  readonly crls: readonly EvidenceCrl[];
  readonly chain: EvidenceChain;
  readonly accounts: readonly EvidenceAccount[];
  readonly relyingParties: EvidenceRelyingParties;
  readonly sessions: EvidenceSessions;
  readonly timeline: EvidenceTimeline;
  readonly audit: EvidenceAudit;
}

/** The HR event as received: its source, type, payload, correlation id and times. */
export interface EvidenceEvent {
  readonly id: number;
  readonly type: string;
  readonly source: string | null;
  readonly payload: unknown;
  readonly correlationId: string;
  readonly occurredAt: string;
}

export interface EvidenceCertificate {
  readonly serial: string;
  readonly profile: string;
  readonly credentialId: string;
  readonly credentialType: string | null;
  readonly status: string;
  readonly reason: string | null;
  readonly revokedAt: string | null;
  /** The certificate itself (base64 DER). */
  readonly certificate: string;
  /** A signed OCSPResponse for this serial (base64 DER), made by muster's responder with its key. */
  readonly ocspResponse: string;
  /** The number of the first CRL of `crls` that lists the serial, or null when none does yet. */
  readonly crlNumber: number | null;
}

export interface EvidenceCrl {
  readonly issuer: string;
  readonly number: number;
  readonly thisUpdate: string;
  /** base64 DER */
  readonly der: string;
  /** hex SHA-256 of the DER */
  readonly sha256: string;
}

/** base64 DER certificates: the issuing CA, its root, and the delegated OCSP responder. */
export interface EvidenceChain {
  readonly root: string;
  readonly issuing: string;
  readonly ocspResponder: string;
}

export interface EvidenceOperation {
  readonly id: number;
  readonly reason: string;
  readonly status: string;
  readonly attempts: number;
  readonly createdAt: string;
  readonly doneAt: string | null;
  readonly lastError: string | null;
}

/** What the target answered when asked just now, or why it could not be asked. */
export type EvidenceReadBack =
  | { readonly read: true; readonly at: string; readonly found: false }
  | { readonly read: true; readonly at: string; readonly found: true; readonly id: string; readonly key: string; readonly enabled: boolean; readonly groups: readonly string[] }
  | { readonly read: false; readonly at: string; readonly why: string };

export interface EvidenceTicket {
  readonly id: string;
  readonly operation: string;
  readonly status: string;
  readonly outcome: string | null;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
}

export interface EvidenceAccount {
  readonly target: string;
  readonly kind: string | null;
  readonly accountRef: string;
  readonly remoteId: string | null;
  readonly status: string;
  readonly disabledAt: string | null;
  readonly operations: readonly EvidenceOperation[];
  readonly tickets: readonly EvidenceTicket[];
  readonly readBack: EvidenceReadBack;
}

export interface EvidenceSignal {
  readonly jti: string;
  readonly clientId: string;
  readonly eventType: string;
  readonly setJwt: string;
  readonly state: string;
  readonly attempts: number;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly lastError: string | null;
}

export interface EvidenceRpAccount {
  readonly clientId: string;
  readonly state: string;
  readonly remoteId: string | null;
  readonly syncedAt: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface EvidenceRelyingParties {
  readonly signals: readonly EvidenceSignal[];
  readonly provisioning: readonly EvidenceRpAccount[];
}

export interface EvidenceSessions {
  /** OP sign-in sessions of the person, with when each ended. */
  readonly logins: readonly { readonly sessionUid: string; readonly credentialType: string; readonly authTime: string; readonly endedAt: string | null }[];
  /** OP sessions, grants and tokens still stored for the person (none after the leaver's sessions ended). */
  readonly remaining: readonly { readonly model: string; readonly id: string; readonly expiresAt: string | null }[];
}

export interface EvidenceStep {
  readonly step: string;
  readonly at: string;
  /** Milliseconds after the event. */
  readonly afterMs: number;
}

export interface EvidenceTimeline {
  readonly eventAt: string;
  readonly steps: readonly EvidenceStep[];
  /** Event time to the last step done. */
  readonly totalMs: number;
}

/** One audit entry, with `data` exactly as stored: what its hash covers. */
export interface EvidenceAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly reason: string | null;
  readonly correlationId: string;
  readonly dataText: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface EvidenceAudit {
  /** The audit signing key (Ed25519, SPKI PEM) and its key id: it signs the checkpoint and the bundle. */
  readonly key: { readonly keyId: string; readonly publicKeyPem: string };
  readonly checkpoint: { readonly seq: number; readonly hash: string; readonly keyId: string; readonly signature: string };
  /** The seqs of the leaver's own entries (every one is in `entries`). */
  readonly leaverSeqs: readonly number[];
  /** Every entry from the leaver's first to the checkpoint, oldest first, so that the chain can be recomputed. */
  readonly entries: readonly EvidenceAuditEntry[];
}
