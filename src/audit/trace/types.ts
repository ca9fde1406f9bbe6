/**
 * The causal thread of one domain event as a tree: what it came from, and every job, target operation, revocation,
 * signal, ticket, session end and audit entry it caused, with times (ISO 8601) and durations (milliseconds).
 */

/** The domain event at the root of a tree. */
export interface TracedEvent {
  readonly id: number;
  readonly type: string;
  readonly identityId: string | null;
  /** Where the change came from: the status history's source (an HR feed, `lifecycle`…), else the actor of its audit entry. */
  readonly source: string | null;
  readonly correlationId: string;
  readonly occurredAt: string;
  /** The event whose job made this one (a card terminated because its holder left), if any. */
  readonly causeEventId: number | null;
}

/** The MUR change the event came from, as recorded when it was committed. */
export interface TracedOrigin {
  readonly actor: string;
  readonly action: string;
  readonly reason: string | null;
  readonly auditSeq: number;
  /** The identity status move it made, if any. */
  readonly statusMove: { readonly from: string | null; readonly to: string; readonly reason: string; readonly effectiveAt: string | null } | null;
}

export interface TracedJob {
  readonly id: number;
  readonly kind: string;
  readonly status: string;
  readonly attempts: number;
  readonly createdAt: string;
  /** When it ended (done or dead); null while pending or running. */
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly lastError: string | null;
}

export interface TracedOperation {
  readonly id: number;
  readonly target: string;
  readonly status: string;
  readonly attempts: number;
  readonly reason: string;
  readonly createdAt: string;
  readonly doneAt: string | null;
  readonly durationMs: number | null;
  /** The calls made in the target (from its `provision.applied` entry), or null when none were recorded. */
  readonly result: readonly string[] | null;
  readonly error: string | null;
  /** Every event the operation carried (a newer change folds into a pending operation), oldest first. */
  readonly eventIds: readonly number[];
}

export interface TracedRevocation {
  readonly serial: string;
  readonly profile: string;
  readonly reason: string | null;
  readonly revokedAt: string | null;
  readonly credentialId: string;
}

export interface TracedSignal {
  readonly jti: string;
  readonly clientId: string;
  readonly eventType: string;
  readonly state: string;
  readonly attempts: number;
  readonly createdAt: string;
  /** Pushed and accepted (push) or acknowledged by the receiver (poll). */
  readonly deliveredAt: string | null;
  readonly durationMs: number | null;
  readonly lastError: string | null;
}

export interface TracedTicket {
  readonly id: string;
  readonly target: string;
  readonly operation: string;
  readonly status: string;
  readonly outcome: string | null;
  readonly openedAt: string;
  readonly closedAt: string | null;
}

/** OP sessions, grants and tokens ended, as their audit entry records them. */
export interface TracedSessionsEnd {
  readonly at: string;
  readonly auditSeq: number;
  readonly sessions: readonly string[];
  readonly backchannelLogouts: readonly string[];
}

export interface TracedAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly reason: string | null;
  readonly correlationId: string;
}

export interface EventTrace {
  readonly event: TracedEvent;
  readonly origin: TracedOrigin | null;
  readonly jobs: readonly TracedJob[];
  readonly operations: readonly TracedOperation[];
  readonly revocations: readonly TracedRevocation[];
  readonly signals: readonly TracedSignal[];
  readonly tickets: readonly TracedTicket[];
  readonly sessionsEnded: readonly TracedSessionsEnd[];
  /** The audit entries of the thread that name this event (or its identity, on its request), oldest first. */
  readonly audit: readonly TracedAuditEntry[];
  /** Events its jobs made, each with its own tree. */
  readonly caused: readonly EventTrace[];
  /** When the last thing in the tree happened, and how long after the event. */
  readonly settledAt: string;
  readonly settledAfterMs: number;
}
