import type { ChangeSet } from '../mur/change-set.ts';
import { type ApplyContext, type BatchItem, resolveEmployees } from './apply-identities.ts';
import { countEvent } from './runs.ts';
import type { SourceRecord } from './validate.ts';

interface FactTable {
  readonly table: string;
  readonly object: 'TRUST' | 'BEHAVE';
  readonly event: string;
  readonly columns: readonly string[];
  readonly types: readonly string[];
  readonly conflict: string;
  readonly values: (record: SourceRecord) => unknown[];
}

const TRUST: FactTable = {
  table: 'trust',
  object: 'TRUST',
  event: 'trust.changed',
  columns: ['eligibility', 'status', 'investigation_type', 'adjudication_date', 'continuous_vetting'],
  types: ['text', 'text', 'text', 'date', 'boolean'],
  conflict: 'identity_id',
  values: (r) => [r.values.eligibility, r.values.status, r.values.investigation_type || null, r.values.adjudication_date || null, r.values.continuous_vetting === 'true'],
};

const BEHAVE: FactTable = {
  table: 'behave',
  object: 'BEHAVE',
  event: 'behave.changed',
  columns: ['course', 'status', 'completed', 'expires'],
  types: ['text', 'text', 'date', 'date'],
  conflict: 'identity_id, course',
  values: (r) => [r.values.course, r.values.status, r.values.completed || null, r.values.expires || null],
};

const FACTS: Readonly<Record<string, FactTable>> = { vetting: TRUST, training: BEHAVE };

/** Applies vetting (TRUST) or training (BEHAVE) records to the identities they name. */
export async function applyFactBatch(ctx: ApplyContext, items: readonly BatchItem[], changes: ChangeSet): Promise<void> {
  const facts = FACTS[ctx.source.kind] as FactTable;
  const guarded = ctx.source.authoritative.includes(facts.object);
  const owners = await resolveEmployees(ctx.db, items.map((i) => i.record.values.employee_id ?? ''));
  const rows: unknown[][] = [];
  for (const item of items) {
    const identityId = item.link?.identityId ?? owners.get(item.record.values.employee_id ?? '');
    if (!identityId) {
      ctx.problems.push({ file: ctx.fileName, line: item.record.line, field: 'employee_id', message: `no identity with employee_id ${item.record.values.employee_id}` });
      continue;
    }
    if (!guarded) {
      ctx.summary.refusedAttributes++;
      changes.audits.push({ actor: `source:${ctx.source.name}`, action: 'source.attribute_refused', target: identityId, reason: `source ${ctx.source.name} is not authoritative for ${facts.object}`, data: { key: item.record.key, run_id: ctx.runId } });
      continue;
    }
    rows.push([identityId, ...facts.values(item.record), ctx.source.name, item.record.key, ctx.effectiveAt ?? ctx.now]);
    const link = { source: ctx.source.name, key: item.record.key, identityId, digest: item.digest };
    (item.link ? changes.changedLinks : changes.newLinks).push(link);
    const payload = { source: ctx.source.name, key: item.record.key, run_id: ctx.runId, values: item.record.values };
    const reason = ctx.runId ? `import ${ctx.runId} line ${item.record.line}` : 'event';
    changes.events.push({ type: facts.event, identityId, payload, audit: { actor: `source:${ctx.source.name}`, action: facts.event, target: identityId, reason, data: { ...payload, requested_by: ctx.actor } } });
    countEvent(ctx.summary, facts.event);
  }
  const columns = ['identity_id', ...facts.columns, 'source', 'source_record', 'observed_at'];
  const updates = columns.filter((c) => !facts.conflict.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  changes.rows.push({ table: facts.table, columns, types: ['uuid', ...facts.types, 'text', 'text', 'timestamptz'], values: rows, upsert: `ON CONFLICT (${facts.conflict}) DO UPDATE SET ${updates.join(', ')}` });
}
