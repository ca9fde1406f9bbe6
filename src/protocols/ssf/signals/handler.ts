import { MusterError } from '../../../core/errors.ts';
import { EVENT_TYPES } from '../../../core/events.ts';
import type { KeyVault } from '../../../core/key-vault.ts';
import { eventsOfKnownIdentities } from '../../../federation/rp-subjects.ts';
import type { BatchItem, BatchJobHandler, JobHandler } from '../../../lifecycle/handlers.ts';
import { batchOf } from '../../../queue/job.ts';
import type { Job } from '../../../lifecycle/jobs.ts';
import { TRANSMITTER_ACTOR } from '../transmitter.ts';
import type { Tx } from '../../../store/store.ts';
import { type SignalCause, signalsOf } from './mapping.ts';
import { type SignalDraft, queueSignals } from './queue.ts';

/** Job kind queued by the lifecycle events that relying parties must hear about. */
export const FEDERATION_SIGNAL_JOB = 'federation.signal';

/** Domain events whose descriptors queue FEDERATION_SIGNAL_JOB. */
export const SIGNALLED_EVENT_TYPES: readonly string[] = EVENT_TYPES.filter((e) => e.jobs.includes(FEDERATION_SIGNAL_JOB)).map((e) => e.type);

export interface SignalHandlerDeps {
  /** The OP issuer, as SETs name it (asked at each run: with `--port 0` it is known only once the server listens). */
  readonly issuer: () => string;
  /** Opens the sealed SET signing key. */
  readonly vault: KeyVault;
}

type EventRow = { id: string; type: string; identity_id: string | null; payload: Record<string, unknown>; occurred_at: Date; correlation_id: string };

const causeOfRow = (row: EventRow): SignalCause => ({ id: Number(row.id), type: row.type, identityId: row.identity_id, payload: row.payload, occurredAt: row.occurred_at });

async function causeOf(tx: Tx, job: Job): Promise<EventRow | undefined> {
  if (job.eventId === null) throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) names no event`);
  const [row] = await tx.query<EventRow>('SELECT id, type, identity_id, payload, occurred_at, correlation_id FROM events WHERE id = $1', [job.eventId]);
  return row;
}

/**
 * The signalled events of the change an event belongs to, first first: the MUR writes the events of one change (a
 * card reissue terminates the old card and issues the new one) in one transaction, with one correlation id and time.
 */
async function changeOf(tx: Tx, event: EventRow): Promise<SignalCause[]> {
  const rows = await tx.query<EventRow>(
    'SELECT id, type, identity_id, payload, occurred_at, correlation_id FROM events WHERE identity_id = $1 AND occurred_at = $2 AND correlation_id = $3 AND type = ANY($4) ORDER BY id',
    [event.identity_id, event.occurred_at, event.correlation_id, [...SIGNALLED_EVENT_TYPES]],
  );
  return rows.length > 0 ? rows.map(causeOfRow) : [causeOfRow(event)];
}

/**
 * `federation.signal`: reads the domain event that queued it, maps it to shared signals (STANDARDS §5.8) and
 * writes one SET per signal and relying party — only RPs that know the identity and whose active agreement lists
 * the signal — in the job's transaction. One change, one `txn`: the job of the change's first event signals every
 * event of the change, under that event's id, and the jobs of the others find nothing left to do. Audited.
 * Idempotent: a change already signalled is not signalled again.
 */
export function federationSignalHandler(deps: SignalHandlerDeps): JobHandler {
  return async (job, tx, ctx) => {
    const event = await causeOf(tx, job);
    if (!event?.identity_id) return;
    const identityId = event.identity_id;
    const change = await changeOf(tx, event);
    const first = change[0] as SignalCause;
    if (first.id !== Number(event.id)) return;
    const txn = String(first.id);
    if ((await tx.query('SELECT 1 FROM ssf_events WHERE txn = $1 AND identity_id = $2 LIMIT 1', [txn, identityId])).length > 0) return;
    const drafts: SignalDraft[] = [];
    for (const cause of change) drafts.push(...(await signalsOf(tx, cause)).map((d) => ({ ...d, eventId: cause.id })));
    const queued = await queueSignals(tx, { issuer: deps.issuer(), vault: deps.vault, now: ctx.now, txn }, identityId, drafts);
    if (queued.length === 0) return;
    const types = [...new Set(change.map((c) => c.type))].join(', ');
    await ctx.audit.append(
      tx,
      [
        {
          actor: TRANSMITTER_ACTOR,
          action: 'signals.queued',
          target: identityId,
          reason: `${types} signalled to ${new Set(queued.map((q) => q.clientId)).size} relying part(ies)`,
          data: { event_id: first.id, event_ids: change.map((c) => c.id), event_type: first.type, sets: queued.map((q) => ({ client_id: q.clientId, signal: q.signal, jti: q.jti })) },
        },
      ],
      ctx.correlationId,
    );
  };
}

/** Of a batch of signal jobs, those whose event is about an identity some RP knows (most leavers signed in to none): one query. */
async function knownToRelyingParties(items: readonly BatchItem[], tx: Tx): Promise<readonly BatchItem[]> {
  const known = await eventsOfKnownIdentities(
    tx,
    items.flatMap((i) => (i.job.eventId === null ? [] : [i.job.eventId])),
  );
  // a job naming no event runs, and fails, as alone
  return items.filter((i) => i.job.eventId === null || known.has(i.job.eventId));
}

/** `federation.signal` for a flood of changes (a mass termination): one transaction, work only where an RP knows the identity. */
export function federationSignalBatch(deps: SignalHandlerDeps): BatchJobHandler {
  return batchOf(federationSignalHandler(deps), knownToRelyingParties);
}
