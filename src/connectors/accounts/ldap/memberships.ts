/**
 * Group membership as the groups themselves record it (their `member` values). memberOf, which the memberof
 * overlay keeps on the accounts, can fall short of a burst of concurrent changes to one group; the member values
 * are what the server enforces, so reconciliation reads those.
 */
import type { Entry } from 'ldapts';
import { childValue, normalizeDn } from './dn.ts';
import { entryValues } from './mapping.ts';

/** Group names by member, the member DN normalized: filled from pages of group entries. */
export class MembershipIndex {
  readonly #groupsKey: string;
  readonly #byMember = new Map<string, string[]>();

  /** `groupsKey` is the groups container, normalized: only groups directly below it count. */
  constructor(groupsKey: string) {
    this.#groupsKey = groupsKey;
  }

  /** Adds the members of a page of group entries (read with the `member` attribute). */
  addGroups(entries: readonly Entry[]): void {
    for (const entry of entries) {
      const name = childValue(entry.dn, this.#groupsKey);
      if (name === null) continue;
      for (const member of entryValues(entry).get('member') ?? []) {
        const key = memberKey(member);
        if (key === null) continue;
        const names = this.#byMember.get(key);
        if (names) names.push(name);
        else this.#byMember.set(key, [name]);
      }
    }
  }

  /** The names of the groups the entry at `dn` is a member of, sorted. */
  groupsOf(dn: string): string[] {
    return [...(this.#byMember.get(memberKey(dn) ?? '') ?? [])].sort();
  }
}

/** A member value as a lookup key; null for a value that is no DN (a groupOfNames placeholder such as ""). */
function memberKey(dn: string): string | null {
  try {
    return normalizeDn(dn);
  } catch {
    return null;
  }
}
