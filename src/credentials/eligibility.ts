import { eligibilityEffect, type EligibilityEffect } from '../core/credential/eligibility.ts';
import { MusterError } from '../core/errors.ts';
import type { Job, JobContext, JobHandler } from './job-types.ts';
import type { Queryable, Tx } from '../store/store.ts';
import { lockIdentityCredentials, setCredentialStatus, type CredentialRow } from './credential-repository.ts';
import { identityStatus } from './holder-repository.ts';
import { applyTransition } from './transition.ts';
import { CREDENTIALS_ACTOR } from './types.ts';

export const ELIGIBILITY_WITHDRAW_JOB = 'credentials.eligibility-withdraw';
export const ELIGIBILITY_HOLD_JOB = 'credentials.eligibility-hold';
export const ELIGIBILITY_RESTORE_JOB = 'credentials.eligibility-restore';
/** RFC 5280 reason of certificates revoked because their holder is no longer eligible. */
export const ELIGIBILITY_REVOCATION_REASON = 'privilegeWithdrawn';
/** Marks a credential suspended because eligibility was held, so that a favorable determination restores exactly these. */
export const HELD_BY_ELIGIBILITY = 'eligibility';
/** Marks a credential suspended because its holder went on leave or was suspended (see terminate.ts). */
export const HELD_BY_IDENTITY = 'identity';

function identityOf(job: Job): string {
  const id = job.payload.identityId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`);
  return id;
}

/** What the TRUST record on file now means: a job acts on the record as it is when it runs, not as it was queued. */
export async function currentEffect({ db }: Queryable, identityId: string): Promise<EligibilityEffect> {
  const row = await db.selectFrom('trust').select(['eligibility', 'status']).where('identity_id', '=', identityId).executeTakeFirst();
  return eligibilityEffect({ eligibility: row?.eligibility ?? 'none', status: row?.status });
}

function causeOf(job: Job): Record<string, unknown> {
  return { job_id: job.id, event_id: job.eventId };
}

/**
 * `credentials.eligibility-withdraw` (queued by `trust.withdrawn`): every PIV card and Derived PIV credential of the
 * person ends — certificates revoked privilegeWithdrawn, authenticators removed (FIPS 201-3 §2.9.4). Skipped if the
 * TRUST record on file no longer withdraws eligibility.
 */
export const handleEligibilityWithdraw: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if ((await currentEffect(tx, identityId)) !== 'withdraw') return;
  const credentials = await lockIdentityCredentials(tx, identityId, ['issued', 'active', 'suspended']);
  const why = `eligibility withdrawn: ${credentials.length} credential(s) terminated (${ELIGIBILITY_REVOCATION_REASON})`;
  const details = { termination_reason: 'eligibility-withdrawn' };
  const changes = await applyTransition(tx, {
    operation: 'terminate',
    credentials,
    actor: CREDENTIALS_ACTOR,
    why,
    revocationReason: ELIGIBILITY_REVOCATION_REASON,
    details,
    cause: causeOf(job),
    now: ctx.now,
  });
  await changes.commit(tx, ctx);
};

/**
 * `credentials.eligibility-hold` (queued by `trust.held`): the person's issued and active credentials are suspended
 * (certificateHold, authenticators disabled), marked as held by eligibility. Skipped unless the record still holds.
 */
export const handleEligibilityHold: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if ((await currentEffect(tx, identityId)) !== 'hold') return;
  const credentials = await lockIdentityCredentials(tx, identityId, ['issued', 'active']);
  const why = `eligibility held: ${credentials.length} credential(s) suspended until a favorable determination`;
  const details = { suspended_by: HELD_BY_ELIGIBILITY, suspended_from: Object.fromEntries(credentials.map((c) => [c.id, c.status])) };
  const changes = await applyTransition(tx, { operation: 'suspend', credentials, actor: CREDENTIALS_ACTOR, why, details, cause: causeOf(job), now: ctx.now });
  await changes.commit(tx, ctx);
};

/**
 * `credentials.eligibility-restore` (queued by every `trust.changed`): once eligibility is favorable again, the
 * credentials an eligibility hold suspended are reinstated; those suspended for another reason stay suspended.
 */
export const handleEligibilityRestore: JobHandler = async (job, tx, ctx) => {
  const identityId = identityOf(job);
  if ((await currentEffect(tx, identityId)) !== 'restore') return;
  const credentials = (await lockIdentityCredentials(tx, identityId, ['suspended'])).filter((c) => c.details.suspended_by === HELD_BY_ELIGIBILITY);
  if (credentials.length === 0) return;
  if ((await identityStatus(tx, identityId)) !== 'active') {
    await keepSuspended(tx, ctx, credentials, { to: HELD_BY_IDENTITY, why: 'eligibility favorable again, but the holder is not active: the return restores them', cause: causeOf(job) });
    return;
  }
  const why = `eligibility favorable again: ${credentials.length} credential(s) reinstated`;
  const changes = await applyTransition(tx, { operation: 'reinstate', credentials, actor: CREDENTIALS_ACTOR, why, details: { suspended_by: null }, cause: causeOf(job), now: ctx.now });
  await changes.commit(tx, ctx);
};

export interface Handover {
  /** Who holds the suspension from now on: the return of the holder, or a favorable determination. */
  readonly to: typeof HELD_BY_IDENTITY | typeof HELD_BY_ELIGIBILITY;
  readonly why: string;
  readonly cause: Record<string, unknown>;
}

/**
 * Suspended credentials one cause would release while another still holds them stay suspended, handed over to the
 * other cause (a hold and a leave that overlap): audited as `credential.suspension-kept`.
 */
export async function keepSuspended(tx: Tx, ctx: JobContext, credentials: readonly CredentialRow[], h: Handover): Promise<void> {
  await setCredentialStatus(
    tx,
    credentials.map((c) => c.id),
    'suspended',
    ctx.now,
    { suspended_by: h.to },
  );
  const drafts = credentials.map((c) => ({
    actor: CREDENTIALS_ACTOR,
    action: 'credential.suspension-kept',
    target: c.identity_id,
    reason: h.why,
    data: { credential_id: c.id, type: c.type, suspended_by: h.to, ...h.cause },
  }));
  await ctx.audit.append(tx, drafts, ctx.correlationId);
}
