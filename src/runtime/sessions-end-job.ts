import type { AuditDraft } from '../audit/chain.ts';
import type { AuditGroup } from '../audit/writer.ts';
import type { BatchItem, BatchJobHandler, JobHandler } from '../lifecycle/handlers.ts';
import type { Job } from '../queue/job.ts';
import type { Queryable } from '../store/store.ts';
import { RP_ACCESS_ENDED } from '../governance/index.ts';
import { endSessionsAtClient, endSessionsWithLogout, OP_MODELS_OF_ACCOUNT } from './federation.ts';
import { credentialEventsWithoutSessions, eventPayloadValue, identitiesWithSessions } from './sessions-end-repository.ts';

/**
 * The outbox job that ends an identity's OP sessions and tokens (leaver, leave, suspension, disabled), or only the
 * sessions signed in with one credential (a card or Derived PIV credential terminated or suspended), and owes every
 * relying party those sessions signed in to a back-channel logout. Payload: `{ identityId, type, eventId }`.
 */
export const FEDERATION_SESSIONS_END_JOB = 'federation.sessions.end';

/** A job about one credential's sessions (a card terminated or suspended), not all of its holder's. */
function isCredentialJob(job: Job): boolean {
  const eventId = job.payload.eventId;
  return String(job.payload.type ?? '').startsWith('credential.') && eventId !== undefined && eventId !== null;
}

function identityOf(job: Job): string {
  const identityId = String(job.payload.identityId ?? '');
  if (!identityId) throw new TypeError(`${FEDERATION_SESSIONS_END_JOB} job ${job.id} has no identityId`);
  return identityId;
}

/** The credential whose sessions alone end, for a `credential.*` event; undefined for an identity event. */
async function credentialOfJob(db: Queryable, job: Job): Promise<string | undefined> {
  if (!isCredentialJob(job)) return undefined;
  const eventId = job.payload.eventId as number | string;
  const credentialId = await eventPayloadValue(db, eventId, 'credential_id');
  if (typeof credentialId !== 'string') throw new TypeError(`${FEDERATION_SESSIONS_END_JOB}: event ${String(eventId)} names no credential`);
  return credentialId;
}

/** The entry recording what ending an identity's sessions came to: the sessions ended, the back-channel logouts queued. */
function endedEntry(job: Job, sessions: readonly string[], logouts: readonly object[], credentialId?: string): AuditDraft {
  const identityId = identityOf(job);
  const data = { identityId, sessions, ...(credentialId ? { credentialId } : {}), backchannel_logouts: logouts };
  return { actor: 'muster', action: 'oidc.sessions.ended', target: identityId, reason: `job ${job.kind}`, data };
}

/** The job handler for FEDERATION_SESSIONS_END_JOB: idempotent (a second run finds nothing to end, and owes no logout). */
export const endSessionsHandler: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if (isRelyingPartyJob(job)) return endSessionsOfRelyingParty(job, tx, ctx);
  const credentialId = await credentialOfJob(tx, job);
  const { sessions, logouts } = await endSessionsWithLogout(tx, identityId, ctx.now, { ...(credentialId ? { credentialId } : {}), eventId: job.payload.eventId });
  // a credential's sessions already ended with its holder's (a leaver's cards): nothing happened, nothing to record
  if (credentialId && sessions.length === 0) return;
  const orders = logouts.map((l) => ({ client_id: l.clientId, jti: l.jti, sid: l.sid ?? null }));
  await ctx.audit.append(tx, [endedEntry(job, sessions, orders, credentialId)], ctx.correlationId);
};

/** A job about one relying party's sessions and tokens of the identity (its access there ended), not all of them. */
function isRelyingPartyJob(job: Job): boolean {
  return job.payload.type === RP_ACCESS_ENDED;
}

/** Ends the identity's sessions, grants and tokens at the relying party the job's event names, and records it if anything ended. */
const endSessionsOfRelyingParty: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  const eventId = job.payload.eventId as number | string;
  const clientId = await eventPayloadValue(tx, eventId, 'client_id');
  if (typeof clientId !== 'string') throw new TypeError(`${FEDERATION_SESSIONS_END_JOB}: event ${String(eventId)} names no relying party`);
  const { sessions, logouts, grantsAndTokens = 0 } = await endSessionsAtClient(tx, identityId, clientId, ctx.now, eventId);
  if (sessions.length === 0 && grantsAndTokens === 0) return;
  const orders = logouts.map((l) => ({ client_id: l.clientId, jti: l.jti, sid: l.sid ?? null }));
  const data = { identityId, client_id: clientId, sessions, grants_and_tokens: grantsAndTokens, backchannel_logouts: orders };
  await ctx.audit.append(tx, [{ actor: 'muster', action: 'oidc.sessions.ended', target: identityId, reason: `job ${job.kind}: access to ${clientId} ended`, data }], ctx.correlationId);
};

/** The items that have anything to end: an identity the OP holds something for, a credential with a sign-in not ended. */
async function itemsWithSessions(tx: Queryable, items: readonly BatchItem[]): Promise<Set<BatchItem>> {
  const relyingParties = items.filter((i) => isRelyingPartyJob(i.job));
  const [credentials, identities] = [items.filter((i) => isCredentialJob(i.job)), items.filter((i) => !isCredentialJob(i.job) && !isRelyingPartyJob(i.job))];
  const held = await identitiesWithSessions(tx, [...new Set(identities.map((i) => identityOf(i.job)))], OP_MODELS_OF_ACCOUNT);
  const done = await credentialEventsWithoutSessions(tx, [...new Set(credentials.map((i) => Number(i.job.payload.eventId)))]);
  return new Set([...relyingParties, ...identities.filter((i) => held.has(identityOf(i.job))), ...credentials.filter((i) => !done.has(String(Number(i.job.payload.eventId))))]);
}

/** The entry of an identity job with nothing to end, as the job alone would write it (under its event and request). */
function nothingEnded(item: BatchItem): AuditGroup {
  const entry = endedEntry(item.job, [], []);
  const eventId = item.job.eventId;
  return { drafts: [eventId === null ? entry : { ...entry, data: { ...entry.data, event_id: eventId } }], correlationId: item.correlationId };
}

/**
 * `federation.sessions.end` for a flood (a mass termination): one transaction, and two queries pick the jobs with
 * anything to end (most leavers hold no OP session); only those run the per-job path. Every other identity job still
 * gets its `oidc.sessions.ended` entry (no session, no logout), all appended in one write; a credential's job with no
 * sign-in left records nothing, as alone.
 */
export const endSessionsBatch: BatchJobHandler = {
  batch: async (items, tx, ctx) => {
    const busy = await itemsWithSessions(tx, items);
    for (const item of items) if (busy.has(item)) await endSessionsHandler(item.job, tx, ctx.contextOf(item));
    await ctx.audit.appendGroups(tx, items.filter((i) => !busy.has(i) && !isCredentialJob(i.job)).map(nothingEnded));
  },
};
