import { decodeAttributes } from '../mur/attribute-codec.ts';
import type { Queryable } from '../store/store.ts';
import type { SourceFormat } from './fields.ts';

/**
 * The fields of a late event that the MUR already holds newer values for: an attribute whose
 * provenance time is after the event took effect, or a status field when this source last moved
 * the identity's status after it (a move muster made itself, a suspension say, does not hide a
 * source's termination). The event still decides the rest.
 */
export async function supersededFields(
  db: Queryable,
  source: string,
  identityId: string,
  format: SourceFormat,
  fields: readonly string[],
  effectiveAt: Date,
  values: Readonly<Record<string, string>>,
): Promise<string[]> {
  if (format.kind === 'vetting' || format.kind === 'training') return supersededFacts(db, identityId, format, fields, effectiveAt, values);
  const [row] = await db.query<{ attributes: unknown; provenance: unknown; status_at: Date | null }>(
    `SELECT attributes, provenance, (SELECT max(coalesce(h.effective_at, h.at)) FROM status_history h WHERE h.identity_id = $1 AND h.source = $2) AS status_at FROM identities WHERE id = $1`,
    [identityId, source],
  );
  if (!row) return [];
  const attributes = decodeAttributes(row.attributes, row.provenance);
  const statusAt = row.status_at ? new Date(row.status_at).getTime() : Number.NEGATIVE_INFINITY;
  const at = effectiveAt.getTime();
  return fields.filter((name) => {
    const field = format.fields.find((f) => f.name === name);
    if (!field || field.object === 'KEY') return false;
    const attributeAt = attributes[name]?.t ? Date.parse(attributes[name].t) : Number.NEGATIVE_INFINITY;
    return attributeAt > at || (field.object === 'STATUS' && statusAt > at);
  });
}

/** A vetting or training record is one fact: all of it is superseded when the fact on record was observed after the event took effect. */
async function supersededFacts(db: Queryable, identityId: string, format: SourceFormat, fields: readonly string[], effectiveAt: Date, values: Readonly<Record<string, string>>): Promise<string[]> {
  const [row] =
    format.kind === 'vetting'
      ? await db.query<{ observed_at: Date }>('SELECT observed_at FROM trust WHERE identity_id = $1', [identityId])
      : await db.query<{ observed_at: Date }>('SELECT observed_at FROM behave WHERE identity_id = $1 AND course = $2', [identityId, values.course ?? '']);
  if (!row || new Date(row.observed_at).getTime() <= effectiveAt.getTime()) return [];
  return fields.filter((name) => !format.keyFields.includes(name) && name !== 'employee_id');
}
