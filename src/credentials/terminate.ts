import type { AuditDraft } from '../audit/chain.ts';
import { MusterError } from '../core/errors.ts';
import type { JobHandler } from '../lifecycle/handlers.ts';
import type { Job } from '../lifecycle/jobs.ts';
import { ChangeSet } from '../mur/change-set.ts';
import type { Tx } from '../store/store.ts';
import { CREDENTIALS_ACTOR } from './types.ts';

export const CREDENTIALS_TERMINATE_JOB = 'credentials.terminate';
/** RFC 5280 reason for certificates revoked because their holder left. */
export const LEAVER_REVOCATION_REASON = 'affiliationChanged';

type CredentialRow = {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly reference: string | null;
};

type RevokedRow = {
  readonly serial: string;
  readonly credential_id: string;
  readonly profile: string;
};

/**
 * `credentials.terminate` (queued by `identity.leaver`): every credential of the leaver becomes `terminated` and
 * every `good` certificate `revoked` (affiliationChanged, at the worker's now), with a `credential.terminated` event
 * per credential and a `certificate.revoked` audit entry per certificate. Runs even if the person was rehired before
 * the job ran: a separation ends the cards (FIPS 201-3 §2.9.4); a rehire gets new ones. Idempotent: a second run
 * finds nothing left to end and writes nothing.
 */
export const handleCredentialsTerminate: JobHandler = async (job, tx, ctx) => {
  const identityId = leaverId(job);
  const credentials = await tx.query<CredentialRow>(
    `SELECT id, type, status, reference FROM credentials WHERE identity_id = $1 AND status <> 'terminated' ORDER BY id FOR UPDATE`,
    [identityId],
  );
  const revoked = await revokeCertificates(tx, identityId, ctx.now);
  if (credentials.length === 0 && revoked.length === 0) return;
  await tx.query(`UPDATE credentials SET status = 'terminated', updated_at = $2 WHERE id = ANY($1::uuid[])`, [credentials.map((c) => c.id), ctx.now]);
  await terminationChanges(identityId, credentials, revoked, job).commit(tx, ctx);
};

function leaverId(job: Job): string {
  const id = job.payload.identityId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`);
  return id;
}

async function revokeCertificates(tx: Tx, identityId: string, now: Date): Promise<RevokedRow[]> {
  return tx.query<RevokedRow>(
    `UPDATE certificates SET status = 'revoked', revoked_at = $2, reason = $3 WHERE identity_id = $1 AND status = 'good'
     RETURNING serial, credential_id::text AS credential_id, profile`,
    [identityId, now, LEAVER_REVOCATION_REASON],
  );
}

function terminationChanges(identityId: string, credentials: readonly CredentialRow[], revoked: readonly RevokedRow[], job: Job): ChangeSet {
  const changes = new ChangeSet();
  const cause = { job_id: job.id, event_id: job.eventId };
  for (const c of credentials) {
    const serials = revoked.filter((r) => r.credential_id === c.id).map((r) => r.serial);
    const reason = `holder left: ${c.type} ${c.reference ?? c.id} terminated, ${serials.length} certificate(s) revoked (${LEAVER_REVOCATION_REASON})`;
    const payload = { credential_id: c.id, type: c.type, reference: c.reference, from: c.status, to: 'terminated', revoked: serials, ...cause };
    changes.events.push({ type: 'credential.terminated', identityId, payload, audit: { actor: CREDENTIALS_ACTOR, action: 'credential.terminated', target: identityId, reason, data: payload } });
  }
  changes.audits.push(...revoked.map((r): AuditDraft => ({
    actor: CREDENTIALS_ACTOR, action: 'certificate.revoked', target: identityId, reason: LEAVER_REVOCATION_REASON,
    data: { serial: r.serial, profile: r.profile, credential_id: r.credential_id, ...cause },
  })));
  return changes;
}
