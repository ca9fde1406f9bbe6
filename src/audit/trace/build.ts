import { MusterError } from '../../core/errors.ts';
import type { Queryable } from '../../store/store.ts';
import {
  type EntryRow,
  type EventRow,
  correlationsOf,
  entriesOfEvent,
  entriesOfOperations,
  eventById,
  eventsCausedBy,
  eventsOfIdentity,
  jobsOf,
  operationsOf,
  revocationsOf,
  signalsOf,
  statusMoveOf,
  ticketsOf,
} from './trace-repository.ts';
import type { EventTrace, TracedAuditEntry, TracedJob, TracedOperation, TracedOrigin, TracedSessionsEnd, TracedSignal } from './types.ts';

/** How deep events made by jobs are followed (a leaver's card terminated, that card's signals…). */
const MAX_DEPTH = 3;
/** The most events one identity listing traces. */
export const MAX_IDENTITY_EVENTS = 200;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const between = (from: Date, to: Date | null | undefined): number | null => (to ? to.getTime() - from.getTime() : null);

/** The tree of one domain event. Refuses an id that is not a positive integer; NOT_FOUND for an unknown one. */
export async function traceEvent(db: Queryable, eventId: number): Promise<EventTrace> {
  if (!Number.isSafeInteger(eventId) || eventId <= 0) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `event id must be a positive integer, not '${eventId}'`, [{ field: 'eventId', value: String(eventId), message: 'not a positive integer' }]);
  }
  const event = await eventById(db, eventId);
  if (!event) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no domain event ${eventId}`, [{ field: 'eventId', value: String(eventId), message: 'no such event' }]);
  return traceRow(db, event, 0);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The events of an identity since `since`, oldest first, each with its tree; events made by another's jobs appear under it. */
export async function traceIdentity(db: Queryable, identityId: string, since: Date): Promise<EventTrace[]> {
  if (!UUID.test(identityId))
    throw new MusterError('MUSTER_ERR_VALIDATION', `identity must be an identity id (a UUID), not '${identityId}'`, [{ field: 'identity', value: identityId, message: 'not a UUID' }]);
  if (Number.isNaN(since.getTime())) throw new MusterError('MUSTER_ERR_VALIDATION', 'since must be a time', [{ field: 'since', message: 'not a time' }]);
  const rows = await eventsOfIdentity(db, identityId, since, MAX_IDENTITY_EVENTS);
  const listed = new Set(rows.map((r) => r.id));
  const roots = rows.filter((r) => r.cause_event_id === null || !listed.has(r.cause_event_id));
  const trees: EventTrace[] = [];
  for (const row of roots) trees.push(await traceRow(db, row, 0));
  return trees;
}

async function traceRow(db: Queryable, event: EventRow, depth: number): Promise<EventTrace> {
  const [move, jobs, ops, revoked, sets, tickets, entries] = await Promise.all([
    statusMoveOf(db, event.id),
    jobsOf(db, event.id),
    operationsOf(db, event.id),
    revocationsOf(db, event.id),
    signalsOf(db, event.id),
    ticketsOf(db, event.id),
    entriesOfEvent(db, event.correlation_id, event.id, event.identity_id),
  ]);
  const audit = mergeEntries(entries, await entriesOfFoldedOperations(db, event, ops));
  const origin = originOf(event, audit, move);
  const tree = {
    event: {
      id: event.id,
      type: event.type,
      identityId: event.identity_id,
      source: move?.source ?? origin?.actor ?? null,
      correlationId: event.correlation_id,
      occurredAt: event.occurred_at.toISOString(),
      causeEventId: event.cause_event_id,
    },
    origin,
    jobs: jobs.map(jobOf),
    operations: ops.map((o) => operationOf(o, audit)),
    revocations: revoked.map((r) => ({ serial: r.serial, profile: r.profile, reason: r.reason, revokedAt: iso(r.revoked_at), credentialId: r.credential_id })),
    signals: sets.map(signalOf),
    tickets: tickets.map((t) => ({ id: t.id, target: t.target, operation: t.operation, status: t.status, outcome: t.outcome, openedAt: t.opened_at.toISOString(), closedAt: iso(t.closed_at) })),
    sessionsEnded: audit.filter((e) => e.action === 'oidc.sessions.ended').map(sessionsEndOf),
    audit: audit.map(tracedEntry),
    caused: await causedBy(db, event, depth),
  };
  const settled = settledAt(event.occurred_at, tree);
  return { ...tree, settledAt: settled.toISOString(), settledAfterMs: settled.getTime() - event.occurred_at.getTime() };
}

/** The trees of the events the event's jobs made, up to MAX_DEPTH below the root. */
async function causedBy(db: Queryable, event: EventRow, depth: number): Promise<EventTrace[]> {
  if (depth + 1 >= MAX_DEPTH) return [];
  const trees: EventTrace[] = [];
  for (const child of await eventsCausedBy(db, event.id)) trees.push(await traceRow(db, child, depth + 1));
  return trees;
}

function jobOf(j: Awaited<ReturnType<typeof jobsOf>>[number]): TracedJob {
  const finished = j.status === 'done' || j.status === 'dead' ? j.updated_at : null;
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    attempts: j.attempts,
    createdAt: j.created_at.toISOString(),
    finishedAt: iso(finished),
    durationMs: between(j.created_at, finished),
    lastError: j.last_error,
  };
}

function signalOf(s: Awaited<ReturnType<typeof signalsOf>>[number]): TracedSignal {
  return {
    jti: s.jti,
    clientId: s.client_id,
    eventType: s.event_type,
    state: s.state,
    attempts: s.attempts,
    createdAt: s.created_at.toISOString(),
    deliveredAt: iso(s.delivered_at),
    durationMs: between(s.created_at, s.delivered_at),
    lastError: s.last_error,
  };
}

/** The entries of operations this event folded into whose entries went under another request's correlation id. */
async function entriesOfFoldedOperations(db: Queryable, event: EventRow, ops: Awaited<ReturnType<typeof operationsOf>>): Promise<EntryRow[]> {
  const others = [...new Set(ops.flatMap((o) => (o.event_ids ?? []).map(Number)).filter((id) => id !== event.id))];
  const correlations = (await correlationsOf(db, others)).filter((c) => c !== event.correlation_id);
  return entriesOfOperations(
    db,
    correlations,
    ops.map((o) => o.id),
  );
}

function mergeEntries(a: readonly EntryRow[], b: readonly EntryRow[]): EntryRow[] {
  const bySeq = new Map([...a, ...b].map((e) => [e.seq, e]));
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

const dataOf = (e: EntryRow): Record<string, unknown> => (e.data ?? {}) as Record<string, unknown>;

/** The entry the MUR wrote with the event (the first that names it), and the status move it made. */
function originOf(event: EventRow, audit: readonly EntryRow[], move: Awaited<ReturnType<typeof statusMoveOf>>): TracedOrigin | null {
  const entry = audit.find((e) => Number(dataOf(e).event_id) === event.id && e.correlation_id === event.correlation_id);
  if (!entry) return null;
  const statusMove = move ? { from: move.from_status, to: move.to_status, reason: move.reason, effectiveAt: iso(move.effective_at) } : null;
  return { actor: entry.actor, action: entry.action, reason: entry.reason, auditSeq: entry.seq, statusMove };
}

function operationOf(o: Awaited<ReturnType<typeof operationsOf>>[number], audit: readonly EntryRow[]): TracedOperation {
  const applied = audit.filter((e) => e.action === 'provision.applied' && Number(dataOf(e).op_id) === o.id).at(-1);
  const calls = applied ? dataOf(applied).calls : undefined;
  const ended = o.status === 'done' ? o.done_at : o.status === 'dead' ? o.updated_at : null;
  return {
    id: o.id,
    target: o.target,
    status: o.status,
    attempts: o.attempts,
    reason: o.reason,
    createdAt: o.created_at.toISOString(),
    doneAt: iso(ended),
    durationMs: between(o.created_at, ended),
    result: Array.isArray(calls) ? calls.map(String) : null,
    error: o.last_error,
    eventIds: (o.event_ids ?? []).map(Number),
  };
}

function sessionsEndOf(e: EntryRow): TracedSessionsEnd {
  const data = dataOf(e);
  const logouts = Array.isArray(data.backchannel_logouts) ? data.backchannel_logouts.map((l) => String((l as { client_id?: unknown }).client_id)) : [];
  return { at: e.at.toISOString(), auditSeq: e.seq, sessions: Array.isArray(data.sessions) ? data.sessions.map(String) : [], backchannelLogouts: logouts };
}

function tracedEntry(e: EntryRow): TracedAuditEntry {
  return { seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, reason: e.reason, correlationId: e.correlation_id };
}

/** The latest time anything in the tree happened (never before the event). */
function settledAt(occurred: Date, tree: Omit<EventTrace, 'settledAt' | 'settledAfterMs'>): Date {
  const times = [
    ...tree.jobs.map((j) => j.finishedAt),
    ...tree.operations.map((o) => o.doneAt),
    ...tree.revocations.map((r) => r.revokedAt),
    ...tree.signals.map((s) => s.deliveredAt),
    ...tree.tickets.map((t) => t.closedAt),
    ...tree.audit.map((a) => a.at),
    ...tree.caused.map((c) => c.settledAt),
  ]
    .filter((t): t is string => t !== null)
    .map((t) => Date.parse(t));
  return new Date(Math.max(occurred.getTime(), ...times));
}
