import { MusterError } from '../core/errors.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { findByAttributes, loadIdentities } from '../mur/identity-repository.ts';
import type { Tx } from '../store/store.ts';
import { addLifecycleChange, nextVersion, withFlags } from './change.ts';
import { type BatchItem, batchOf, identityOfJob, itemsOfIdentities } from '../queue/job.ts';
import type { BatchJobHandler, JobHandler } from './handlers.ts';
import type { Job } from './jobs.ts';

export const SPONSOR_LEFT_JOB = 'npe.sponsor-left';
/** Flag on an NPE handed to its departed sponsor's manager. */
export const SPONSOR_REASSIGNED = 'sponsor_reassigned';
/** Flag on an NPE whose sponsor left with no active manager to take it over. */
export const SPONSOR_MISSING = 'sponsor_missing';

const GONE: ReadonlySet<string> = new Set(['terminated', 'archived']);

type Heir = { readonly manager: IdentityState } | { readonly manager: null; readonly why: string };

/**
 * `npe.sponsor-left`: every live NPE the leaver sponsored goes to the leaver's active manager
 * (flagged sponsor_reassigned), or keeps its sponsor and is flagged sponsor_missing. Idempotent:
 * handed-over NPEs no longer name the leaver, and an NPE already flagged missing is left alone.
 */
export const handleSponsorLeft: JobHandler = async (job, tx, ctx) => {
  const leaver = await loadLeaver(tx, job);
  if (!GONE.has(leaver.status)) return; // rehired before the job ran: the sponsor is back
  const npes = await sponsoredNpes(tx, leaver.id);
  if (npes.length === 0) return;
  const heir = await activeManager(tx, leaver);
  const changes = new ChangeSet();
  for (const npe of npes) handOver(changes, npe, leaver, heir, job);
  if (changes.size > 0) await changes.commit(tx, ctx);
};

/** Of a batch of leavers, those who sponsor a live NPE (most sponsor none): one query. */
async function sponsorsOfLiveNpes(items: readonly BatchItem[], { db }: Tx): Promise<readonly BatchItem[]> {
  const ids = items.map((i) => identityOfJob(i.job)).filter((id): id is string => id !== undefined);
  if (ids.length === 0) return items;
  const rows = await db
    .selectFrom('identities')
    .select('sponsor_id')
    .distinct()
    .where('sponsor_id', 'in', ids)
    .where('kind', '<>', 'person')
    .where('status', 'not in', [...GONE])
    .execute();
  return itemsOfIdentities(items, new Set(rows.flatMap((r) => (r.sponsor_id ? [r.sponsor_id] : []))));
}

/** `npe.sponsor-left` for a flood of leavers: one transaction, and only the leavers who sponsor NPEs do any work. */
export const sponsorLeftBatch: BatchJobHandler = batchOf(handleSponsorLeft, sponsorsOfLiveNpes);

async function loadLeaver(tx: Tx, job: Job): Promise<IdentityState> {
  const id = job.payload.identityId;
  if (typeof id !== 'string') throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} (${job.kind}) has no identityId in its payload`);
  const leaver = (await loadIdentities(tx, [id])).get(id);
  if (!leaver) throw new MusterError('MUSTER_ERR_NOT_FOUND', `job ${job.id}: no identity ${id}`);
  return leaver;
}

async function sponsoredNpes(tx: Tx, sponsorId: string): Promise<IdentityState[]> {
  const rows = await tx.query<{ id: string }>(`SELECT id FROM identities WHERE sponsor_id = $1 AND kind <> 'person' AND status NOT IN ('terminated', 'archived') ORDER BY id FOR UPDATE`, [sponsorId]);
  const found = await loadIdentities(
    tx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => found.get(r.id)).filter((s): s is IdentityState => s !== undefined);
}

/** The one active person whose employee id is the leaver's manager attribute. */
async function activeManager(tx: Tx, leaver: IdentityState): Promise<Heir> {
  const key = leaver.attributes.manager?.v;
  if (!key) return { manager: null, why: 'the leaver has no manager on record' };
  const found = (await findByAttributes(tx, ['employee_id'], [[key]])).filter((s) => s.kind === 'person' && s.status === 'active' && s.id !== leaver.id);
  if (found.length === 1) return { manager: found[0] as IdentityState };
  if (found.length === 0) return { manager: null, why: `manager ${key} is not an active identity` };
  return { manager: null, why: `manager ${key} matches ${found.length} active identities` };
}

function handOver(changes: ChangeSet, npe: IdentityState, leaver: IdentityState, heir: Heir, job: Job): void {
  const who = leaver.attributes.employee_id?.v ?? leaver.id;
  const cause = { job_id: job.id, event_id: job.eventId };
  if (heir.manager) {
    const to = heir.manager;
    const reason = `sponsor ${who} left; handed to manager ${to.attributes.employee_id?.v ?? to.id}`;
    const next = nextVersion(npe, { sponsorId: to.id, flags: withFlags(npe.flags, SPONSOR_REASSIGNED, [SPONSOR_MISSING]) });
    addLifecycleChange(changes, { next, type: 'identity.sponsor-changed', reason, payload: { from: npe.sponsorId, to: to.id, reason, flag: SPONSOR_REASSIGNED, ...cause } });
    return;
  }
  if (npe.flags.includes(SPONSOR_MISSING)) return;
  const reason = `sponsor ${who} left; ${heir.why}: sponsor kept, flagged ${SPONSOR_MISSING}`;
  const next = nextVersion(npe, { flags: withFlags(npe.flags, SPONSOR_MISSING) });
  addLifecycleChange(changes, { next, type: 'identity.sponsor-changed', reason, payload: { from: npe.sponsorId, to: npe.sponsorId, reason, flag: SPONSOR_MISSING, ...cause } });
}
