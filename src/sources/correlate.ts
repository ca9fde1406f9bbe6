import type { CorrelationRule } from '../config/schema.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { findByAttributes } from '../mur/identity-repository.ts';
import { LOOK_ALIKE_RULE, findLookAlikes } from './look-alikes.ts';
import type { Queryable } from '../store/store.ts';

export interface Candidate {
  readonly identity: IdentityState;
  readonly rule: string;
  readonly confidence: number;
  /** The key of this source the identity is linked to now, if any. */
  readonly linkedKey: string | null;
}

export type Correlation = { readonly outcome: 'new' } | { readonly outcome: 'link'; readonly candidate: Candidate } | { readonly outcome: 'dispute'; readonly candidates: readonly Candidate[] };

export interface CorrelationInput {
  readonly key: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const REUSABLE = new Set(['terminated', 'inactive']);

/**
 * Matches records that have no link yet to existing identities, by the configured rules (the
 * source key itself — the employee number — was tried first by the caller). One eligible candidate
 * at or above the threshold is linked; anything else with candidates is disputed.
 */
export async function correlate(db: Queryable, source: string, inputs: readonly CorrelationInput[], rules: readonly CorrelationRule[], threshold: number): Promise<Map<string, Correlation>> {
  const found = new Map<string, Map<string, { identity: IdentityState; rule: string; confidence: number }>>();
  for (const rule of rules) await applyRule(db, rule, inputs, found);
  await findLookAlikes(db, inputs, found);
  const ids = [...new Set([...found.values()].flatMap((m) => [...m.keys()]))];
  const linked = await linkedKeys(db, source, ids);
  const result = new Map<string, Correlation>();
  for (const input of inputs) {
    const matches = [...(found.get(input.key)?.values() ?? [])].map((m) => ({ ...m, linkedKey: linked.get(m.identity.id) ?? null })).filter((m) => plausible(m, threshold));
    result.set(input.key, decide(matches, threshold));
  }
  return result;
}

/**
 * A weak match (below the threshold) to an identity the source still holds under another key is no
 * match: the authoritative source itself keeps them apart. A strong one (same email) is kept, so the
 * duplicate reaches a person.
 */
function plausible(candidate: Candidate, threshold: number): boolean {
  return candidate.rule === LOOK_ALIKE_RULE || candidate.confidence >= threshold || candidate.linkedKey === null || REUSABLE.has(candidate.identity.status);
}

function decide(candidates: Candidate[], threshold: number): Correlation {
  if (candidates.length === 0) return { outcome: 'new' };
  const [only] = candidates;
  if (candidates.length === 1 && only && only.confidence >= threshold && (only.linkedKey === null || REUSABLE.has(only.identity.status))) {
    if (only.identity.status !== 'archived') return { outcome: 'link', candidate: only };
  }
  return { outcome: 'dispute', candidates };
}

async function applyRule(
  db: Queryable,
  rule: CorrelationRule,
  inputs: readonly CorrelationInput[],
  found: Map<string, Map<string, { identity: IdentityState; rule: string; confidence: number }>>,
): Promise<void> {
  const wanted = inputs.filter((i) => rule.attributes.every((a) => i.attributes[a]));
  const tupleOf = (values: (name: string) => string) => rule.attributes.map(values);
  const identities = await findByAttributes(
    db,
    rule.attributes,
    wanted.map((i) => tupleOf((a) => i.attributes[a] as string)),
  );
  if (identities.length === 0) return;
  const byTuple = new Map<string, IdentityState[]>();
  for (const identity of identities) {
    const key = tupleOf((a) => identity.attributes[a]?.v ?? '').join('\u001f');
    byTuple.set(key, [...(byTuple.get(key) ?? []), identity]);
  }
  for (const input of wanted) {
    for (const identity of byTuple.get(tupleOf((a) => input.attributes[a] as string).join('\u001f')) ?? []) {
      const perRecord = found.get(input.key) ?? new Map();
      const previous = perRecord.get(identity.id);
      if (!previous || previous.confidence < rule.confidence) perRecord.set(identity.id, { identity, rule: rule.name, confidence: rule.confidence });
      found.set(input.key, perRecord);
    }
  }
}

async function linkedKeys(db: Queryable, source: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ identity_id: string; source_key: string }>('SELECT identity_id, source_key FROM source_links WHERE source = $1 AND identity_id = ANY($2::uuid[])', [source, ids]);
  return new Map(rows.map((r) => [r.identity_id, r.source_key]));
}
