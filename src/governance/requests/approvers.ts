import type { Queryable } from '../../store/store.ts';
import type { ApprovalStep } from '../catalogue/index.ts';
import { identityByManagerKey, personOf } from './request-repository.ts';

/** The identity the MUR names as this identity's manager (the `manager` attribute), when active. */
export async function managerOf(db: Queryable, identityId: string): Promise<string | undefined> {
  const person = await personOf(db, identityId);
  if (!person?.manager) return undefined;
  return identityByManagerKey(db, person.manager);
}

/** Who may decide a step: the beneficiary's manager, or the item's owners. */
export async function approversOf(db: Queryable, step: ApprovalStep, beneficiaryId: string, owners: readonly string[]): Promise<string[]> {
  if (step === 'manager') {
    const manager = await managerOf(db, beneficiaryId);
    return manager ? [manager] : [];
  }
  return [...new Set(owners)];
}

/** How many different approvers a step needs. */
export function approvalsNeeded(step: ApprovalStep | 'owner'): number {
  return step === 'owners:2' ? 2 : 1;
}

/**
 * The approvers of a step as a request can use them: the requester and the beneficiary never decide, so when they are
 * the only approvers named (a manager asking for a direct report), the step goes at once to their managers.
 */
export async function usableApprovers(db: Queryable, named: readonly string[], requesterId: string, beneficiaryId: string): Promise<{ approvers: string[]; escalatedTo: string | null }> {
  const excluded = (id: string) => id === requesterId || id === beneficiaryId;
  if (named.length === 0 || named.some((id) => !excluded(id))) return { approvers: [...named], escalatedTo: null };
  const managers = new Set<string>();
  for (const id of named) {
    const manager = await managerOf(db, id);
    if (manager && !excluded(manager)) managers.add(manager);
  }
  const [first] = managers;
  return { approvers: [...named, ...managers], escalatedTo: first ?? null };
}
