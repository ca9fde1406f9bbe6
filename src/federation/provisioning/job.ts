import { isDeepStrictEqual } from 'node:util';
import type { AuditDraft } from '../../audit/chain.ts';
import { MusterError } from '../../core/errors.ts';
import type { IdentityState } from '../../core/identity/record.ts';
import type { AgreementRelyingParty } from '../../core/federation/agreement.ts';
import type { BatchJobHandler, Job, JobContext, JobHandler } from '../job-types.ts';
import { type BatchItem, batchOf, identityOfJob } from '../../queue/job.ts';
import { loadIdentities } from '../../mur/identity-repository.ts';
import type { Tx } from '../../store/store.ts';
import { recordRpProvisioned } from '../rp-subjects.ts';
import { blankRecord, resourceFor, subjectAt } from './account.ts';
import { identitiesNeverPushed, recordsOf, saveRecord, type ProvisioningRecord } from './records.ts';
import { type RpOutbound, RpScimService } from './rp-service.ts';
import { syncAccount, wantedAccount, type SyncOutcome, type TerminationMode } from './sync.ts';
import { anyAgreementProvisions, targetsOf, type ProvisioningTarget } from './targets.ts';

/** Queued by identity events (joiner, activated, updated, mover, leave, suspended, return, rehire, leaver, disabled) and by a full push of an agreement. */
export const FEDERATION_PROVISION_JOB = 'federation.provision';
export const PROVISIONING_ACTOR = 'muster:federation';
/** Serialises the pushes of one identity across workers (with the identity's id hashed as the second key). */
const IDENTITY_LOCK_CLASS = 7_266_009;

export interface ProvisionHandlerOptions {
  /** `delete` (default): a terminated account is deactivated and then deleted; `deactivate`: only deactivated. */
  readonly termination: TerminationMode;
  /** A request to an RP slower than this fails (and the job is retried). */
  readonly timeoutMs: number;
  /** The outbound client for an RP's SCIM service, by its agreement entry (its `allowPrivateNetwork`). */
  readonly outboundFor?: (rp: AgreementRelyingParty) => RpOutbound;
}

function identityIdOf(job: Job): string {
  const id = job.payload.identityId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`, [{ field: 'identityId', message: 'required' }]);
  return id;
}

function agreementIdOf(job: Job): string | undefined {
  return typeof job.payload.agreementId === 'string' ? job.payload.agreementId : undefined;
}

interface Change {
  readonly target: ProvisioningTarget;
  readonly outcome: SyncOutcome;
  readonly before: ProvisioningRecord;
}

/** Pushes one identity to one RP, under the subject identifier the RP knows it by now (a replaced subject secret gives a new one, which the push carries over). */
async function pushTo(tx: Tx, identity: IdentityState, target: ProvisioningTarget, before: ProvisioningRecord, options: ProvisionHandlerOptions, now: Date): Promise<Change> {
  const wanted = wantedAccount(identity.status, target.covered);
  const exists = wanted === 'active' || wanted === 'inactive';
  const sub = exists ? await subjectAt(tx, identity, target.rp, now) : before.sub;
  const resource = sub === null ? undefined : resourceFor(identity, target, sub, wanted, before.extension !== 'refused');
  const service = await RpScimService.open(target.rp.clientId, target.rp.scim, options.timeoutMs, options.outboundFor?.(target.rp));
  try {
    return { target, before, outcome: await syncAccount({ service, current: before, wanted, resource, termination: options.termination, now }) };
  } finally {
    service.close();
  }
}

function auditOf(identity: IdentityState, change: Change, job: Job): AuditDraft {
  const { target, outcome, before } = change;
  const record = outcome.record;
  const action = record.state === 'terminated' ? 'federation.provisioning.terminated' : before.remoteId === null ? 'federation.provisioning.created' : 'federation.provisioning.updated';
  const sent = record.pushed === null ? [] : Object.keys(record.pushed).filter((k) => !['schemas', 'externalId', 'userName'].includes(k));
  return {
    actor: PROVISIONING_ACTOR,
    action,
    target: `identity:${identity.id}`,
    reason: `${String(job.payload.type ?? 'push')}: ${outcome.requests.join(', ') || 'recorded'} at relying party ${target.rp.clientId}`,
    data: {
      client_id: target.rp.clientId,
      agreement_id: target.agreement.id,
      agreement_version: target.agreement.version,
      sub: record.sub ?? before.sub,
      remote_id: record.remoteId ?? before.remoteId,
      state: record.state,
      requests: outcome.requests,
      attributes: sent,
      extension: record.extension,
      job_id: job.id,
      event_id: job.eventId,
    },
  };
}

async function commit(tx: Tx, identity: IdentityState, changes: readonly Change[], job: Job, ctx: JobContext): Promise<void> {
  const drafts: AuditDraft[] = [];
  for (const change of changes) {
    const { record } = change.outcome;
    if (isDeepStrictEqual(record, change.before)) continue;
    await saveRecord(tx, record);
    if (record.state !== 'terminated' && record.sub !== null) await recordRpProvisioned(tx, identity.id, record.clientId, record.sub, ctx.now);
    if (change.outcome.requests.length > 0 || change.before.remoteId !== record.remoteId) drafts.push(auditOf(identity, change, job));
  }
  await ctx.audit.append(tx, drafts, ctx.correlationId);
}

/**
 * `federation.provision`: brings the identity's accounts at relying parties in line with the MUR and the trust
 * agreements — created when it joins a population that is provisioned, replaced when an agreed attribute changes,
 * deactivated on leave or suspension and reactivated on return, deactivated and deleted when it leaves, is
 * disabled or drops out of the population. Nothing is sent when nothing would differ. A failing RP fails the job,
 * which the worker retries with back-off; every call tolerates its own replay.
 */
export function federationProvisionHandler(options: ProvisionHandlerOptions): JobHandler {
  return async (job, tx, ctx) => {
    const identityId = identityIdOf(job);
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IDENTITY_LOCK_CLASS, identityId]);
    const identity = (await loadIdentities(tx, [identityId])).get(identityId);
    if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `job ${job.id}: no identity ${identityId}`, [{ field: 'identityId', value: identityId, message: 'not found' }]);
    const records = await recordsOf(tx, identityId);
    const { targets } = await targetsOf(tx, identity, records, agreementIdOf(job));
    const changes: Change[] = [];
    for (const target of targets) {
      const before = records.get(target.rp.clientId) ?? blankRecord(identityId, target.rp.clientId);
      const wanted = wantedAccount(identity.status, target.covered);
      if (wanted === 'none' || (wanted === 'terminated' && before.remoteId === null && before.state === 'terminated')) continue;
      changes.push(await pushTo(tx, identity, target, before, options, ctx.now));
    }
    await commit(tx, identity, changes, job, ctx);
  };
}

/**
 * Of a batch of pushes, those with anything to do: every one while an active agreement names an RP with a provisioning
 * API; otherwise only those of identities pushed somewhere before (most agencies' leavers were never). Two queries.
 */
async function pushesWithTargets(items: readonly BatchItem[], tx: Tx): Promise<readonly BatchItem[]> {
  if (await anyAgreementProvisions(tx)) return items;
  const idle = await identitiesNeverPushed(
    tx,
    items.flatMap((i) => identityOfJob(i.job) ?? []),
  );
  return items.filter((i) => !idle.has(identityOfJob(i.job) ?? ''));
}

/** `federation.provision` for a flood of identity events (a mass termination): one transaction, work only where an RP is pushed to. */
export function federationProvisionBatch(options: ProvisionHandlerOptions): BatchJobHandler {
  return batchOf(federationProvisionHandler(options), pushesWithTargets);
}
