import type { Insertable } from 'kysely';
import { ELIGIBILITY_EVENTS, eligibilityEffect } from '../core/credential/eligibility.ts';
import type { ChangeSet } from '../mur/change-set.ts';
import type { Database } from '../store/database.ts';
import { type ApplyContext, type BatchItem, resolveEmployees } from './apply-identities.ts';
import { countEvent } from './runs.ts';
import type { SourceRecord } from './validate.ts';

/** The columns every fact row has besides its own: whose it is and where it came from. */
interface FactOrigin {
  readonly identity_id: string;
  readonly source: string;
  readonly source_record: string;
  readonly observed_at: Date;
}

interface FactTable<T extends 'trust' | 'behave' = 'trust' | 'behave'> {
  readonly object: 'TRUST' | 'BEHAVE';
  readonly event: string;
  /** A record's row, keyed on `identity_id` (and the course, for BEHAVE): a newer record replaces it. Required fields were checked by validate.ts. */
  readonly row: (record: SourceRecord, origin: FactOrigin) => Insertable<Database[T]>;
  readonly write: (changes: ChangeSet, rows: Insertable<Database[T]>[]) => void;
  /** The urgent event a record raises besides `event`, when it ends or holds the holder's credentials. */
  readonly consequence?: (record: SourceRecord) => string | undefined;
}

const TRUST: FactTable<'trust'> = {
  object: 'TRUST',
  event: 'trust.changed',
  row: (r, origin) => ({
    identity_id: origin.identity_id,
    eligibility: r.values.eligibility as string,
    status: r.values.status as string,
    investigation_type: r.values.investigation_type || null,
    adjudication_date: r.values.adjudication_date || null,
    continuous_vetting: r.values.continuous_vetting === 'true',
    source: origin.source,
    source_record: origin.source_record,
    observed_at: origin.observed_at,
  }),
  write: (changes, rows) => changes.upsert('trust', rows, ['identity_id']),
  consequence: (r) => {
    const effect = eligibilityEffect({ eligibility: r.values.eligibility, status: r.values.status });
    return effect === 'withdraw' || effect === 'hold' ? ELIGIBILITY_EVENTS[effect] : undefined;
  },
};

const BEHAVE: FactTable<'behave'> = {
  object: 'BEHAVE',
  event: 'behave.changed',
  row: (r, origin) => ({
    identity_id: origin.identity_id,
    course: r.values.course as string,
    status: r.values.status as string,
    completed: r.values.completed || null,
    expires: r.values.expires || null,
    source: origin.source,
    source_record: origin.source_record,
    observed_at: origin.observed_at,
  }),
  write: (changes, rows) => changes.upsert('behave', rows, ['identity_id', 'course']),
};

const FACTS: Readonly<Record<string, FactTable<'trust'> | FactTable<'behave'>>> = { vetting: TRUST, training: BEHAVE };

/** Applies vetting (TRUST) or training (BEHAVE) records to the identities they name. */
export async function applyFactBatch(ctx: ApplyContext, items: readonly BatchItem[], changes: ChangeSet): Promise<void> {
  const facts = FACTS[ctx.source.kind] as FactTable<'trust'>;
  const guarded = ctx.source.authoritative.includes(facts.object);
  const owners = await resolveEmployees(
    ctx.db,
    items.map((i) => i.record.values.employee_id ?? ''),
  );
  const rows: Insertable<Database['trust']>[] = [];
  for (const item of items) {
    const identityId = item.link?.identityId ?? owners.get(item.record.values.employee_id ?? '');
    if (!identityId) {
      ctx.problems.push({ file: ctx.fileName, line: item.record.line, field: 'employee_id', message: `no identity with employee_id ${item.record.values.employee_id}` });
      continue;
    }
    if (!guarded) {
      ctx.summary.refusedAttributes++;
      changes.audits.push({
        actor: `source:${ctx.source.name}`,
        action: 'source.attribute_refused',
        target: identityId,
        reason: `source ${ctx.source.name} is not authoritative for ${facts.object}`,
        data: { key: item.record.key, run_id: ctx.runId },
      });
      continue;
    }
    rows.push(facts.row(item.record, { identity_id: identityId, source: ctx.source.name, source_record: item.record.key, observed_at: ctx.effectiveAt ?? ctx.now }));
    const link = { source: ctx.source.name, key: item.record.key, identityId, digest: item.digest };
    (item.link ? changes.changedLinks : changes.newLinks).push(link);
    const payload = { source: ctx.source.name, key: item.record.key, run_id: ctx.runId, values: item.record.values };
    const reason = ctx.runId ? `import ${ctx.runId} line ${item.record.line}` : 'event';
    for (const type of [facts.event, facts.consequence?.(item.record)]) {
      if (type)
        changes.events.push({ type, identityId, payload, audit: { actor: `source:${ctx.source.name}`, action: type, target: identityId, reason, data: { ...payload, requested_by: ctx.actor } } });
    }
    countEvent(ctx.summary, facts.event);
  }
  facts.write(changes, rows);
}
