import { MusterError } from '../core/errors.ts';
import { type BatchItem, batchOf, identityOfJob, itemsOfIdentities } from '../queue/job.ts';
import type { Tx } from '../store/store.ts';
import type { BatchJobHandler, Job, JobHandler } from './job-types.ts';
import { identitiesWithCredentials, lockIdentityCredentials, type CredentialRow } from './credential-repository.ts';
import { currentEffect, HELD_BY_ELIGIBILITY, keepSuspended } from './eligibility.ts';
import { identityStatus } from './holder-repository.ts';
import { applyTransition } from './transition.ts';
import { CREDENTIALS_ACTOR } from './types.ts';

export const CREDENTIALS_TERMINATE_JOB = 'credentials.terminate';
export const CREDENTIALS_SUSPEND_JOB = 'credentials.suspend';
export const CREDENTIALS_RESTORE_JOB = 'credentials.restore';
/** RFC 5280 reason for certificates revoked because their holder left. */
export const LEAVER_REVOCATION_REASON = 'affiliationChanged';
/** The credentials a leaver's termination ends. */
const TERMINABLE = ['issued', 'active', 'suspended'];

function identityOf(job: Job): string {
  const id = job.payload.identityId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`);
  return id;
}

function causeOf(job: Job): Record<string, unknown> {
  return { job_id: job.id, event_id: job.eventId };
}

/**
 * `credentials.terminate` (queued by `identity.leaver`): every credential of the leaver — PIV cards, PKI and FIDO2
 * Derived PIV credentials — becomes `terminated`: every certificate still good or on hold is revoked
 * (affiliationChanged) and every WebAuthn authenticator removed, with a `credential.terminated` event per credential
 * and a `certificate.revoked` audit entry per certificate. Runs even if the person was rehired before the job ran: a
 * separation ends the credentials (FIPS 201-3 §2.9.4); a rehire gets new ones. Idempotent.
 */
export const handleCredentialsTerminate: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  const credentials = await lockIdentityCredentials(tx, identityId, TERMINABLE);
  if (credentials.length === 0) return;
  const why = `holder left: ${credentials.length} credential(s) terminated (${LEAVER_REVOCATION_REASON})`;
  const changes = await applyTransition(tx, { operation: 'terminate', credentials, actor: CREDENTIALS_ACTOR, why, revocationReason: LEAVER_REVOCATION_REASON, cause: causeOf(job), now: ctx.now });
  await changes.commit(tx, ctx);
};

/** Of a batch of leavers, those holding a credential to terminate (most hold none): one query. */
async function holdersOf(items: readonly BatchItem[], tx: Tx): Promise<readonly BatchItem[]> {
  const ids = items.map((i) => identityOfJob(i.job)).filter((id): id is string => id !== undefined);
  return itemsOfIdentities(items, await identitiesWithCredentials(tx, ids, TERMINABLE));
}

/** `credentials.terminate` for a flood of leavers (a mass termination): one transaction, work only for card holders. */
export const credentialsTerminateBatch: BatchJobHandler = batchOf(handleCredentialsTerminate, holdersOf);

/**
 * `credentials.suspend` (queued by `identity.leave` and `identity.suspended`): the identity's active and issued
 * credentials become `suspended` (certificates on hold, authenticators disabled), marked as suspended by the cascade
 * so that a return restores exactly these. Skipped if the identity is active again by the time it runs.
 */
export const handleCredentialsSuspend: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if ((await identityStatus(tx, identityId)) === 'active') return;
  const credentials = await lockIdentityCredentials(tx, identityId, ['issued', 'active']);
  if (credentials.length === 0) return;
  const why = `holder ${String(job.payload.type ?? 'suspended').replace('identity.', '')}: ${credentials.length} credential(s) suspended`;
  const details = { suspended_by: 'identity', suspended_from: Object.fromEntries(credentials.map((c) => [c.id, c.status])) };
  const changes = await applyTransition(tx, { operation: 'suspend', credentials, actor: CREDENTIALS_ACTOR, why, details, cause: causeOf(job), now: ctx.now });
  await changes.commit(tx, ctx);
};

function suspendedByCascade(c: CredentialRow): boolean {
  return c.details.suspended_by === 'identity';
}

/**
 * `credentials.restore` (queued by `identity.return`): credentials the cascade suspended are reinstated (holds
 * released, authenticators enabled); those a person suspended stay suspended. Skipped unless the identity is active.
 * While eligibility is held they stay suspended, handed over to the hold; when it is withdrawn, its job ends them.
 */
export const handleCredentialsRestore: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if ((await identityStatus(tx, identityId)) !== 'active') return;
  const credentials = (await lockIdentityCredentials(tx, identityId, ['suspended'])).filter(suspendedByCascade);
  if (credentials.length === 0) return;
  const eligibility = await currentEffect(tx, identityId);
  if (eligibility === 'withdraw') return;
  if (eligibility === 'hold') {
    await keepSuspended(tx, ctx, credentials, { to: HELD_BY_ELIGIBILITY, why: 'holder returned, but eligibility is held: a favorable determination restores them', cause: causeOf(job) });
    return;
  }
  const why = `holder returned: ${credentials.length} credential(s) reinstated`;
  const changes = await applyTransition(tx, { operation: 'reinstate', credentials, actor: CREDENTIALS_ACTOR, why, details: { suspended_by: null }, cause: causeOf(job), now: ctx.now });
  await changes.commit(tx, ctx);
};
