import { newIdentityId } from '../mur/identity-id.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { MusterConfig } from '../config/schema.ts';
import { ChangeSet } from '../mur/change-set.ts';
import type { Tx } from '../store/store.ts';
import { type ApplyContext, type BatchItem, applyIdentityBatch } from './apply-identities.ts';
import { applyFactBatch } from './apply-facts.ts';
import type { Source } from './registry.ts';
import { type ImportSummary, emptySummary } from './runs.ts';

export interface SingleDeps {
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly config: MusterConfig;
}

export interface SingleOutcome {
  readonly summary: ImportSummary;
  readonly events: readonly { type: string; identityId: string | null }[];
}

/**
 * Applies one record (a REST event, or a person's resolution of a disputed case) inside the
 * caller's transaction, with the same rules as a snapshot row. Problems abort the whole change.
 */
export async function applySingle(tx: Tx, deps: SingleDeps, source: Source, item: BatchItem, actor: string, correlationId: string, where: string, effectiveAt?: Date): Promise<SingleOutcome> {
  const summary = emptySummary();
  const ctx: ApplyContext = {
    db: tx,
    source,
    runId: null,
    actor,
    now: deps.clock.now(),
    effectiveAt,
    fileName: where,
    newId: newIdentityId,
    rules: deps.config.correlation.rules,
    threshold: deps.config.correlation.autoLinkConfidence,
    correlateExisting: true,
    summary,
    problems: [],
    warnings: [],
  };
  const changes = new ChangeSet();
  await (source.createsIdentities ? applyIdentityBatch : applyFactBatch)(ctx, [item], changes);
  if (ctx.problems.length > 0) {
    throw new MusterError('MUSTER_ERR_VALIDATION', ctx.problems.map((p) => p.message).join('; '), ctx.problems);
  }
  await changes.commit(tx, { now: ctx.now, correlationId, audit: deps.audit });
  return { summary, events: changes.events.map((e) => ({ type: e.type, identityId: e.identityId })) };
}
