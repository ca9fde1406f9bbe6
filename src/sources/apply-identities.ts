import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { ErrorDetail } from '../core/errors.ts';
import { MusterError, isMusterError } from '../core/errors.ts';
import { type IdentityPlan, type IdentityState, type IncomingIdentity, planIdentity } from '../core/identity/record.ts';
import type { IdentityStatus } from '../core/identity/status.ts';
import type { CorrelationRule } from '../config/schema.ts';
import type { ChangeSet, PendingEvent } from '../mur/change-set.ts';
import { heldIdentities, keepSourceStatus } from '../mur/holds.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import type { Queryable } from '../store/store.ts';
import { type Candidate, type Correlation, correlate } from './correlate.ts';
import type { LinkInfo } from './links.ts';
import { toIncoming } from './mapping.ts';
import type { Source } from './registry.ts';
import { type ImportSummary, countEvent } from './runs.ts';
import type { SourceRecord } from './validate.ts';

export interface BatchItem {
  readonly record: SourceRecord;
  readonly digest: string;
  readonly link?: LinkInfo | undefined;
  /** A person's decision on a disputed case: link to this identity, or create a new one. */
  readonly forced?: { readonly identityId: string } | 'new';
}

export interface ApplyContext {
  readonly db: Queryable;
  readonly source: Source;
  readonly runId: string | null;
  readonly actor: string;
  readonly now: Date;
  /** When the change took effect at the source (an event's effectiveAt); else `now`. Attribute provenance and status history carry it. */
  readonly effectiveAt?: Date | undefined;
  readonly fileName: string;
  readonly newId: () => string;
  readonly rules: readonly CorrelationRule[];
  readonly threshold: number;
  /** False when the MUR was empty at the start: nothing to correlate against. */
  readonly correlateExisting: boolean;
  readonly summary: ImportSummary;
  /** Problems found while applying (a refused status move, an unknown sponsor). */
  readonly problems: ErrorDetail[];
  /** Things reported but not blocking (an absent identity the status machine cannot terminate). */
  readonly warnings: ErrorDetail[];
  /** Identities under an active hold: no record of this batch lifts their suspension. */
  held?: ReadonlySet<string>;
}

/**
 * Records planned between two turns of the event loop: a batch planned while the one before it is written lets the
 * database's replies through now and then, so the next statement goes out without waiting for the whole batch.
 */
const YIELD_EVERY = 250;

/** Applies a batch of HR or NPE records to the MUR through `changes` (nothing is written here). */
export async function applyIdentityBatch(ctx: ApplyContext, items: readonly BatchItem[], changes: ChangeSet): Promise<void> {
  const current = await loadIdentities(ctx.db, [...new Set(items.flatMap((i) => idsOf(i)))]);
  ctx.held = await heldIdentities(ctx.db, [...current.keys()]);
  const correlations = await correlateUnlinked(ctx, items);
  const sponsors =
    ctx.source.kind === 'npe'
      ? await resolveEmployees(
          ctx.db,
          items.map((i) => i.record.values.sponsor ?? ''),
          true,
        )
      : new Map<string, string>();
  for (const [i, item] of items.entries()) {
    if (i > 0 && i % YIELD_EVERY === 0) await nextTurn();
    const match = matchOf(item, current, correlations);
    if (match.outcome === 'dispute') {
      openDispute(ctx, item, match.candidates, changes);
      continue;
    }
    const target = match.outcome === 'link' ? match.identity : null;
    applyOne(ctx, item, target, sponsors, changes, match.outcome === 'link' ? match.relinkFrom : null);
  }
}

type Match = { outcome: 'link'; identity: IdentityState; relinkFrom: string | null } | { outcome: 'new' } | { outcome: 'dispute'; candidates: readonly Candidate[] };

function idsOf(item: BatchItem): string[] {
  const ids = item.link ? [item.link.identityId] : [];
  if (item.forced && item.forced !== 'new') ids.push(item.forced.identityId);
  return ids;
}

function matchOf(item: BatchItem, current: Map<string, IdentityState>, correlations: Map<string, Correlation>): Match {
  if (item.link) return { outcome: 'link', identity: current.get(item.link.identityId) as IdentityState, relinkFrom: null };
  if (item.forced === 'new') return { outcome: 'new' };
  if (item.forced) {
    const identity = current.get(item.forced.identityId);
    if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${item.forced.identityId}`);
    return { outcome: 'link', identity, relinkFrom: null };
  }
  const c = correlations.get(item.record.key) ?? { outcome: 'new' };
  if (c.outcome === 'link') return { outcome: 'link', identity: c.candidate.identity, relinkFrom: c.candidate.linkedKey };
  return c;
}

async function correlateUnlinked(ctx: ApplyContext, items: readonly BatchItem[]): Promise<Map<string, Correlation>> {
  if (!ctx.correlateExisting) return new Map();
  const unlinked = items.filter((i) => !i.link && !i.forced && i.record.values.status !== 'terminated').map((i) => ({ key: i.record.key, attributes: i.record.values }));
  if (unlinked.length === 0) return new Map();
  return correlate(ctx.db, ctx.source.name, unlinked, ctx.rules, ctx.threshold);
}

function applyOne(ctx: ApplyContext, item: BatchItem, current: IdentityState | null, sponsors: Map<string, string>, changes: ChangeSet, relinkFrom: string | null): void {
  const { record } = item;
  const sponsorId = ctx.source.kind === 'npe' ? sponsors.get(record.values.sponsor ?? '') : undefined;
  if (ctx.source.kind === 'npe' && !sponsorId && !current) {
    ctx.problems.push(problem(ctx, record, 'sponsor', `sponsor ${record.values.sponsor} is not an active identity in the MUR`));
    return;
  }
  // a registry that still names a sponsor who has left does not undo the hand-over to the manager
  const incoming = keepHeld(ctx, current, toIncoming(ctx.source.kind, record, sponsorId), changes);
  if (!current && !ctx.source.mayCreate) {
    ctx.problems.push(problem(ctx, record, ctx.source.format.keyFields[0] as string, `no identity matches ${record.key} and source ${ctx.source.name} may not create identities`));
    return;
  }
  let plan: IdentityPlan;
  try {
    plan = planIdentity(current, incoming, { source: ctx.source.name, record: record.key, observedAt: ctx.effectiveAt ?? ctx.now }, ctx.source.authority, ctx.newId());
  } catch (error) {
    if (!isMusterError(error, 'MUSTER_ERR_STATUS_TRANSITION')) throw error;
    ctx.problems.push(problem(ctx, record, 'status', error.message));
    return;
  }
  recordPlan(ctx, plan, current, changes, record.line > 0 ? `line ${record.line}` : ctx.fileName, record.key);
  const link = { source: ctx.source.name, key: record.key, identityId: plan.next.id, digest: item.digest };
  if (item.link) changes.changedLinks.push(link);
  else if (relinkFrom) {
    changes.removedLinks.push({ source: ctx.source.name, key: relinkFrom });
    changes.newLinks.push(link);
  } else changes.newLinks.push(link);
}

/** Statuses a source still moves a held identity to: a hold never keeps anyone from leaving. */
const THROUGH_HOLD: readonly (IdentityStatus | undefined)[] = [undefined, 'suspended', 'inactive', 'terminated'];

/** A held identity keeps its status; the status the source asks for is kept on the hold for its release. */
function keepHeld(ctx: ApplyContext, current: IdentityState | null, incoming: IncomingIdentity, changes: ChangeSet): IncomingIdentity {
  if (!current || !ctx.held?.has(current.id) || THROUGH_HOLD.includes(incoming.status)) return incoming;
  if (!ctx.source.authority('status')) return incoming;
  keepSourceStatus(changes, current.id, incoming.status as IdentityStatus);
  if (incoming.status !== current.status) ctx.summary.onHold++;
  return { ...incoming, status: current.status };
}

/** Adds one planned identity change, with its events, history and audit entries, to the change set. */
export function recordPlan(
  ctx: Pick<ApplyContext, 'source' | 'runId' | 'actor' | 'summary' | 'effectiveAt'>,
  plan: IdentityPlan,
  current: IdentityState | null,
  changes: ChangeSet,
  where: string,
  key: string,
): void {
  if (plan.events.length === 0 && plan.refused.length === 0 && current && plan.changed.length === 0) {
    ctx.summary.unchanged++;
  }
  if (current === null) changes.created.push(plan.next);
  else if (plan.events.length > 0 || plan.changed.length > 0) changes.updated.push(plan.next);
  const moves = statusMoves(current?.status ?? null, plan.statusPath);
  plan.events.forEach((type, i) => {
    changes.events.push(eventFor(ctx, type, plan, current, i === 0 ? moves : [], where, key));
    countEvent(ctx.summary, type);
  });
  if (plan.refused.length > 0) {
    ctx.summary.refusedAttributes += plan.refused.length;
    changes.audits.push({
      actor: `source:${ctx.source.name}`,
      action: 'source.attribute_refused',
      target: plan.next.id,
      reason: `source ${ctx.source.name} is not authoritative for ${plan.refused.join(', ')}`,
      data: { source: ctx.source.name, key, attributes: plan.refused, run_id: ctx.runId, requested_by: ctx.actor },
    });
  }
}

function eventFor(
  ctx: Pick<ApplyContext, 'source' | 'runId' | 'actor' | 'effectiveAt'>,
  type: string,
  plan: IdentityPlan,
  current: IdentityState | null,
  moves: PendingEvent['moves'],
  where: string,
  key: string,
): PendingEvent {
  const changed = Object.fromEntries(plan.changed.map((n) => [n, { from: current?.attributes[n]?.v ?? null, to: plan.next.attributes[n]?.v ?? null }]));
  const status = { from: current?.status ?? null, to: plan.next.status };
  const effective = ctx.effectiveAt ? { effective_at: ctx.effectiveAt.toISOString() } : {};
  const payload = { source: ctx.source.name, key, run_id: ctx.runId, status, ...(plan.changed.length > 0 ? { changed } : {}), ...effective };
  const reason = ctx.runId ? `import ${ctx.runId} ${where}` : where;
  return {
    type,
    identityId: plan.next.id,
    payload,
    moves,
    reason,
    source: ctx.source.name,
    effectiveAt: ctx.effectiveAt,
    audit: { actor: `source:${ctx.source.name}`, action: type, target: plan.next.id, reason, data: { ...payload, requested_by: ctx.actor } },
  };
}

function statusMoves(from: IdentityStatus | null, path: readonly IdentityStatus[]): { from: IdentityStatus | null; to: IdentityStatus }[] {
  const moves: { from: IdentityStatus | null; to: IdentityStatus }[] = [];
  let at = from;
  for (const to of path) {
    moves.push({ from: at, to });
    at = to;
  }
  return moves;
}

function openDispute(ctx: ApplyContext, item: BatchItem, candidates: readonly Candidate[], changes: ChangeSet): void {
  const id = ctx.newId();
  const listed = candidates.map((c) => ({ identity_id: c.identity.id, rule: c.rule, confidence: c.confidence, status: c.identity.status, linked_key: c.linkedKey }));
  const record = { line: item.record.line, values: item.record.values };
  const dispute = {
    id,
    source: ctx.source.name,
    source_key: item.record.key,
    run_id: ctx.runId,
    record: JSON.stringify(record),
    candidates: JSON.stringify(listed),
    status: 'open',
    created_at: ctx.now,
  };
  // one open dispute per record: a record already disputed stays with its first dispute
  changes.insert('disputes', [dispute], (oc) => oc.columns(['source', 'source_key']).where('status', '=', sql.lit('open')).doNothing());
  const payload = { dispute_id: id, source: ctx.source.name, key: item.record.key, run_id: ctx.runId, candidates: listed };
  changes.events.push({
    type: 'dispute.opened',
    identityId: null,
    payload,
    audit: { actor: `source:${ctx.source.name}`, action: 'dispute.opened', target: id, reason: `${candidates.length} candidate(s) for ${item.record.key}`, data: payload },
  });
  countEvent(ctx.summary, 'dispute.opened');
}

/** Employee ids → identity ids (not archived; with `live`, only those not terminated or disabled), for sponsors and fact sources. */
export async function resolveEmployees(db: Queryable, keys: readonly string[], live = false): Promise<Map<string, string>> {
  const wanted = [...new Set(keys.filter(Boolean))];
  if (wanted.length === 0) return new Map();
  const rows = await db.query<{ id: string; key: string }>(
    `SELECT id, attributes -> 'employee_id' ->> 'v' AS key FROM identities WHERE (attributes -> 'employee_id' ->> 'v') = ANY($1::text[]) AND status <> ALL($2::text[])`,
    [wanted, live ? ['archived', 'terminated', 'inactive'] : ['archived']],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

function problem(ctx: ApplyContext, record: SourceRecord, field: string, message: string): ErrorDetail {
  return { file: ctx.fileName, line: record.line, field, message };
}
