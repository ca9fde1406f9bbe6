import { MusterError } from '../../core/errors.ts';
import type { JobHandler } from '../job-types.ts';
import { certificateStatus } from '../certificate-repository.ts';
import { lockCredential } from '../credential-repository.ts';
import { applyTransition } from '../transition.ts';
import { CREDENTIALS_ACTOR } from '../types.ts';

export const DERIVED_RECHECK_JOB = 'credentials.derived-recheck';

/**
 * SP 800-157r1 §2.1: seven days after a binding, the status of the PIV Authentication certificate it was bound with is
 * checked again. If that card was revoked for key compromise in between (lost, stolen), whoever bound the derived
 * credential may not have been its holder: the derived credential is terminated (certificate revoked keyCompromise,
 * authenticator removed). Either way the outcome is audited as `derived.rechecked`.
 */
export const handleDerivedRecheck: JobHandler = async (job, tx, ctx) => {
  const { credentialId, pivSerial, identityId } = job.payload as { credentialId?: unknown; pivSerial?: unknown; identityId?: unknown };
  if (typeof credentialId !== 'string' || typeof pivSerial !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) needs credentialId and pivSerial`);
  const credential = await lockCredential(tx, credentialId);
  if (!credential) return;
  const piv = await certificateStatus(tx, pivSerial);
  const compromised = piv?.status === 'revoked' && piv.reason === 'keyCompromise';
  const cause = { job_id: job.id, piv_serial: pivSerial, piv_status: piv?.status ?? 'unknown', piv_reason: piv?.reason ?? null };
  const active = credential.status !== 'terminated';
  const outcome = compromised && active ? 'terminated' : 'kept';
  await ctx.audit.append(
    tx,
    [
      {
        actor: CREDENTIALS_ACTOR,
        action: 'derived.rechecked',
        target: String(identityId ?? credential.identity_id),
        reason: `PIV Authentication certificate ${pivSerial} is ${piv?.status ?? 'unknown'}${piv?.reason ? ` (${piv.reason})` : ''}: derived credential ${outcome}`,
        data: { credential_id: credentialId, outcome, ...cause },
      },
    ],
    ctx.correlationId,
  );
  if (outcome !== 'terminated') return;
  const why = `the PIV card it was bound with (certificate ${pivSerial}) was revoked for key compromise after the binding`;
  const changes = await applyTransition(tx, {
    operation: 'terminate',
    credentials: [credential],
    actor: CREDENTIALS_ACTOR,
    why,
    revocationReason: 'keyCompromise',
    details: { termination_reason: 'piv-compromised' },
    cause,
    now: ctx.now,
  });
  await changes.commit(tx, ctx);
};
