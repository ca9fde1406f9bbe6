import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError, type ErrorDetail } from '../../core/errors.ts';
import type { Store } from '../../store/store.ts';
import { agreementById, type AgreementVersion } from '../agreements.ts';
import { FEDERATION_PROVISION_JOB, PROVISIONING_ACTOR } from './job.ts';
import { populationCondition } from './population.ts';
import { listRecords, MAX_LISTING, type ProvisioningPage } from './records.ts';
import { provisionedParties } from './targets.ts';

export interface AgreementProvisioningDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

export interface ProvisionRequest {
  /** Who asked (audited); default muster itself. */
  readonly actor?: string;
  readonly correlationId?: string;
}

/** A full push of an agreement, as queued. */
export interface AgreementPush {
  /** Names this push in its jobs and its audit entry. */
  readonly pushId: string;
  readonly agreementId: string;
  readonly version: number;
  /** The relying parties pushed to. */
  readonly clientIds: string[];
  /** Identities whose push was queued now (the population, and those who left it but still have accounts). */
  readonly queued: number;
  /** Identities whose push was already waiting. */
  readonly alreadyQueued: number;
}

async function requireAgreement(store: Store, agreementId: string): Promise<AgreementVersion> {
  const agreement = await agreementById(store, agreementId);
  if (!agreement) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no trust agreement '${agreementId}'`, [{ field: 'id', value: agreementId, message: 'no such agreement' }]);
  return agreement;
}

/** Why the agreement allows no push, or undefined when it does. */
function refusalOf(agreement: AgreementVersion): MusterError | undefined {
  const { id, status, document } = agreement;
  const refuse = (code: 'MUSTER_ERR_FORBIDDEN' | 'MUSTER_ERR_AGREEMENT', message: string, detail: ErrorDetail) => new MusterError(code, message, [detail]);
  if (!document.provisioning.allowed) {
    return refuse('MUSTER_ERR_FORBIDDEN', `trust agreement '${id}' does not allow provisioning to its relying parties (provisioning.allowed is false)`, {
      field: 'provisioning.allowed',
      value: 'false',
      message: 'the agreement must allow a provisioning API',
    });
  }
  if (status !== 'active')
    return refuse('MUSTER_ERR_FORBIDDEN', `trust agreement '${id}' is ${status}: nothing is provisioned under it`, { field: 'status', value: status, message: 'must be active' });
  if (provisionedParties(document).length === 0) {
    return refuse('MUSTER_ERR_AGREEMENT', `no relying party of trust agreement '${id}' has a provisioning API (relyingParties[].scim)`, {
      field: 'relyingParties.scim',
      message: 'give at least one RP a scim baseUrl and bearerTokenFile',
    });
  }
  return undefined;
}

async function auditRefusal(deps: AgreementProvisioningDeps, agreement: AgreementVersion, refusal: MusterError, actor: string, correlationId: string): Promise<void> {
  await deps.store.transaction((tx) =>
    deps.audit.append(
      tx,
      [
        {
          actor,
          action: 'federation.provisioning.refused',
          target: `agreement:${agreement.id}`,
          reason: refusal.message,
          data: { agreement_id: agreement.id, version: agreement.version, status: agreement.status, code: refusal.code, field: refusal.details[0]?.field },
        },
      ],
      correlationId,
    ),
  );
}

const QUEUE = `
  INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, created_at, updated_at)
  SELECT $1, $1 || ':' || $2 || ':' || c.id || ':' || $5, jsonb_build_object('identityId', c.id, 'agreementId', $2::text, 'type', 'agreement.provision'), 'pending', $4, $4, $4
  FROM (SELECT i.id FROM identities i WHERE ${populationCondition('$3', '$7')}
        UNION SELECT r.identity_id FROM rp_provisioning r WHERE r.client_id = ANY($6) AND (r.state <> 'terminated' OR r.remote_id IS NOT NULL)) c
  WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = $1 AND j.status = 'pending' AND j.payload ->> 'identityId' = c.id::text AND j.payload ->> 'agreementId' = $2)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id`;

/**
 * Queues a push of the agreement's whole population to its relying parties (SP 800-217 Appendix A.3): one
 * `federation.provision` job per identity, including those who left the population but still have an account
 * there. Idempotent: an identity whose push is already waiting is not queued twice, and a push sends only what
 * differs. Refused (and audited) unless the agreement is active, allows provisioning and names an RP with a
 * provisioning API.
 */
export async function provisionAgreement(deps: AgreementProvisioningDeps, agreementId: string, request: ProvisionRequest = {}): Promise<AgreementPush> {
  const actor = request.actor ?? PROVISIONING_ACTOR;
  const correlationId = request.correlationId ?? `agreement-${agreementId}-provision`;
  const agreement = await requireAgreement(deps.store, agreementId);
  const refusal = refusalOf(agreement);
  if (refusal) {
    await auditRefusal(deps, agreement, refusal, actor, correlationId);
    throw refusal;
  }
  const clientIds = provisionedParties(agreement.document).map((rp) => rp.clientId);
  const { agencyCodes, affiliations } = agreement.document.population;
  const now = deps.clock.now();
  const pushId = randomUUID();
  return deps.store.transaction(async (tx) => {
    const queued = await tx.query(QUEUE, [FEDERATION_PROVISION_JOB, agreementId, agencyCodes, now, pushId, clientIds, affiliations]);
    const [waiting] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE kind = $1 AND status = 'pending' AND payload ->> 'agreementId' = $2`, [
      FEDERATION_PROVISION_JOB,
      agreementId,
    ]);
    const push: AgreementPush = { pushId, agreementId, version: agreement.version, clientIds, queued: queued.length, alreadyQueued: (waiting?.n ?? 0) - queued.length };
    await deps.audit.append(
      tx,
      [
        {
          actor,
          action: 'federation.provisioning.requested',
          target: `agreement:${agreementId}`,
          reason: `full push of trust agreement '${agreementId}' v${agreement.version} to ${clientIds.join(', ')}`,
          data: { ...push },
        },
      ],
      correlationId,
    );
    return push;
  });
}

/** The state of every account pushed under an agreement, per identity and RP, one page at a time. */
export async function agreementProvisioning(store: Store, agreementId: string, page: { limit?: number | undefined; cursor?: string | undefined } = {}): Promise<ProvisioningPage> {
  const agreement = await requireAgreement(store, agreementId);
  const limit = page.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTING)
    throw new MusterError('MUSTER_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_LISTING}`, [{ field: 'limit', value: String(limit), message: `1 to ${MAX_LISTING}` }]);
  const linked = await store.query<{ client_id: string }>('SELECT client_id FROM federation_clients WHERE agreement_id = $1', [agreement.id]);
  const clientIds = [...new Set([...linked.map((l) => l.client_id), ...agreement.document.relyingParties.map((rp) => rp.clientId)])];
  return listRecords(store, clientIds, { limit, cursor: page.cursor });
}
