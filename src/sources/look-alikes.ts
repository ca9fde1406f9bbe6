import type { IdentityState } from '../core/identity/record.ts';
import { type SkeletonWanted, findBySkeletons } from '../mur/identity-repository.ts';
import { emailSkeleton, foldedText, nameSkeleton } from '../mur/skeleton.ts';
import type { Queryable } from '../store/store.ts';

/**
 * Look-alikes (Unicode TR #39 confusables): a record whose name or email has the skeleton of an existing identity's
 * but is not the same text (a Cyrillic "о" in an email, a Greek "Α" in a name) is a candidate of the rule
 * `look-alike` at confidence 0: never linked, never silently created beside it, always a disputed case for a person
 * to resolve. The same text is left to the configured rules (two people may share a name). One indexed lookup per batch.
 */

export const LOOK_ALIKE_RULE = 'look-alike';

type Found = Map<string, Map<string, { identity: IdentityState; rule: string; confidence: number }>>;

interface Wanted {
  readonly key: string;
  readonly name?: SkeletonWanted & { folded: string };
  readonly email?: SkeletonWanted & { folded: string };
}

/** Each skeleton and text once. */
function distinct(list: readonly SkeletonWanted[]): SkeletonWanted[] {
  return [...new Map(list.map((w) => [`${w.skeleton}\u0000${w.text}`, { skeleton: w.skeleton, text: w.text }])).values()];
}

function wantedOf(input: { key: string; attributes: Readonly<Record<string, string>> }): Wanted {
  const { given_name: given, family_name: family, email } = input.attributes;
  const name = given && family ? `${given.trim()} ${family.trim()}` : undefined;
  return {
    key: input.key,
    ...(given && family && name ? { name: { skeleton: nameSkeleton(given, family), text: name, folded: foldedText(name) } } : {}),
    ...(email ? { email: { skeleton: emailSkeleton(email), text: email, folded: foldedText(email) } } : {}),
  };
}

function nameOf(identity: IdentityState): string {
  return foldedText(`${(identity.attributes.given_name?.v ?? '').trim()} ${(identity.attributes.family_name?.v ?? '').trim()}`);
}

/** The look-alike field of `identity` for the record, if any: same skeleton, different text. */
function lookAlike(wanted: Wanted, identity: IdentityState, skeletons: { name: string | null; email: string | null }): boolean {
  const email = identity.attributes.email?.v;
  if (wanted.email && skeletons.email === wanted.email.skeleton && email !== undefined && foldedText(email) !== wanted.email.folded) return true;
  return wanted.name !== undefined && skeletons.name === wanted.name.skeleton && nameOf(identity) !== wanted.name.folded;
}

type Stored = Awaited<ReturnType<typeof findBySkeletons>>[number];

/** The identities found, by name skeleton and by email skeleton, so that each record meets only its own. */
function bySkeleton(identities: readonly Stored[]): { names: Map<string, Stored[]>; emails: Map<string, Stored[]> } {
  const names = new Map<string, Stored[]>();
  const emails = new Map<string, Stored[]>();
  const add = (map: Map<string, Stored[]>, key: string | null, stored: Stored) => {
    if (key === null) return;
    const list = map.get(key);
    if (list) list.push(stored);
    else map.set(key, [stored]);
  };
  for (const stored of identities) {
    add(names, stored.skeletons.name, stored);
    add(emails, stored.skeletons.email, stored);
  }
  return { names, emails };
}

/** Adds each record's look-alike identities to `found` (unless a rule found them already). */
export async function findLookAlikes(db: Queryable, inputs: readonly { key: string; attributes: Readonly<Record<string, string>> }[], found: Found): Promise<void> {
  const wanted = inputs.map(wantedOf).filter((w) => w.name || w.email);
  const identities = await findBySkeletons(db, distinct(wanted.flatMap((w) => (w.name ? [w.name] : []))), distinct(wanted.flatMap((w) => (w.email ? [w.email] : []))));
  if (identities.length === 0) return;
  const index = bySkeleton(identities);
  for (const w of wanted) {
    const sharing = new Set([...(w.name ? (index.names.get(w.name.skeleton) ?? []) : []), ...(w.email ? (index.emails.get(w.email.skeleton) ?? []) : [])]);
    for (const { identity, skeletons } of sharing) {
      if (!lookAlike(w, identity, skeletons)) continue;
      const perRecord = found.get(w.key) ?? new Map();
      if (!perRecord.has(identity.id)) perRecord.set(identity.id, { identity, rule: LOOK_ALIKE_RULE, confidence: 0 });
      found.set(w.key, perRecord);
    }
  }
}
