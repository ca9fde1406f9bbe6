import type { BatchJobHandler, JobHandler } from '../lifecycle/handlers.ts';
import { identitiesWithLiveTokens } from '../operators/token-repository.ts';
import { batchOf, identityOfJob, itemsOfIdentities } from '../queue/job.ts';
import { MusterError } from '../core/errors.ts';
import { endConsoleSessionsOf } from '../operators/console-sessions.ts';
import { revokeTokensOf } from '../operators/tokens.ts';

/** Queued by a leaver, leave, suspension (a hold too) or disabling: the identity's operator tokens and console sessions end. */
export const OPERATOR_TOKENS_REVOKE_JOB = 'operators.revoke-tokens';

/**
 * Revokes every live token of the identity (an operator or not: most have none) and ends its console
 * sessions. Authentication already refuses the tokens and sessions of an identity that is not active,
 * so this makes the end final and audited: a return from leave does not bring a token or a session
 * back. Idempotent: revoked tokens stay revoked, ended sessions stay ended.
 */
export const handleOperatorTokensRevoke: JobHandler = async (job, tx, ctx) => {
  const identityId = job.payload.identityId;
  if (typeof identityId !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`);
  const reason = `the operator's identity event ${job.eventId ?? job.id} ended its tokens`;
  const why = { actor: 'muster:lifecycle', reason, at: ctx.now };
  await revokeTokensOf(tx, ctx.audit, identityId, why, ctx.correlationId);
  await endConsoleSessionsOf(tx, ctx.audit, identityId, { ...why, reason: `the operator's identity event ${job.eventId ?? job.id} ended its console sessions` }, ctx.correlationId);
};

/** The same for a flood of leavers: one transaction, and only the identities holding a live token do any work. */
export const operatorTokensRevokeBatch: BatchJobHandler = batchOf(handleOperatorTokensRevoke, async (items, tx) => {
  const ids = items.map((i) => identityOfJob(i.job)).filter((id): id is string => id !== undefined);
  return itemsOfIdentities(items, await identitiesWithLiveTokens(tx, ids));
});
