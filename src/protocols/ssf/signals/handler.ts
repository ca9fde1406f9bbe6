import { MusterError } from '../../../core/errors.ts';
import type { JobHandler } from '../../../lifecycle/handlers.ts';
import type { Job } from '../../../lifecycle/jobs.ts';
import { TRANSMITTER_ACTOR } from '../transmitter.ts';
import type { Tx } from '../../../store/store.ts';
import { type SignalCause, signalsOf } from './mapping.ts';
import { queueSignals } from './queue.ts';

/** Job kind queued by the lifecycle events that relying parties must hear about. */
export const FEDERATION_SIGNAL_JOB = 'federation.signal';

/** Domain events whose descriptors should queue FEDERATION_SIGNAL_JOB. */
export const SIGNALLED_EVENT_TYPES: readonly string[] = [
  'identity.leaver', 'identity.leave', 'identity.suspended', 'identity.disabled', 'identity.return', 'identity.rehire', 'identity.updated', 'identity.mover',
  'credential.terminated', 'credential.suspended', 'credential.reinstated', 'credential.reissued', 'credential.bound', 'trust.changed',
];

export interface SignalHandlerDeps {
  /** The OP issuer, as SETs name it (asked at each run: with `--port 0` it is known only once the server listens). */
  readonly issuer: () => string;
}

async function causeOf(tx: Tx, job: Job): Promise<SignalCause | undefined> {
  if (job.eventId === null) throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) names no event`);
  const [row] = await tx.query<{ id: string; type: string; identity_id: string | null; payload: Record<string, unknown>; occurred_at: Date }>(
    'SELECT id, type, identity_id, payload, occurred_at FROM events WHERE id = $1', [job.eventId]);
  return row ? { id: Number(row.id), type: row.type, identityId: row.identity_id, payload: row.payload, occurredAt: row.occurred_at } : undefined;
}

/**
 * `federation.signal`: reads the domain event that queued it, maps it to shared signals (STANDARDS §5.8) and
 * writes one SET per signal and relying party — only RPs that know the identity and whose active agreement lists
 * the signal — in the job's transaction, with `txn` = the event id. Audited. Idempotent: an event already
 * signalled is not signalled again.
 */
export function federationSignalHandler(deps: SignalHandlerDeps): JobHandler {
  return async (job, tx, ctx) => {
    const cause = await causeOf(tx, job);
    if (!cause?.identityId) return;
    if ((await tx.query("SELECT 1 FROM ssf_events WHERE txn = $1 AND identity_id = $2 LIMIT 1", [String(cause.id), cause.identityId])).length > 0) return;
    const drafts = await signalsOf(tx, cause);
    const queued = await queueSignals(tx, { issuer: deps.issuer(), now: ctx.now, txn: String(cause.id) }, cause.identityId, drafts);
    if (queued.length === 0) return;
    await ctx.audit.append(tx, [{
      actor: TRANSMITTER_ACTOR, action: 'signals.queued', target: cause.identityId, reason: `${cause.type} signalled to ${new Set(queued.map((q) => q.clientId)).size} relying part(ies)`,
      data: { event_id: cause.id, event_type: cause.type, sets: queued.map((q) => ({ client_id: q.clientId, signal: q.signal, jti: q.jti })) },
    }], ctx.correlationId);
  };
}
