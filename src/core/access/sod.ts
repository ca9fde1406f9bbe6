import { MusterError } from '../errors.ts';
import type { HeldEntitlement, Policy, SeparationPolicy } from './policy.ts';

/** A separation-of-duties policy in force, by name. */
export type SeparationRule = Policy & { readonly document: SeparationPolicy };

/** One conflict: the policy, and what is held (or asked for) on each of its two sides. */
export interface SodConflict {
  readonly policy: string;
  readonly sides: readonly [readonly HeldEntitlement[], readonly HeldEntitlement[]];
}

export function separationRules(policies: readonly Policy[]): SeparationRule[] {
  return policies.filter((p): p is SeparationRule => p.document.kind === 'separation');
}

export function heldKey(h: HeldEntitlement): string {
  return 'role' in h ? `role:${h.role}` : `${h.target}/${h.group}`;
}

export function describeHeld(list: readonly HeldEntitlement[]): string {
  return list.map(heldKey).join(', ');
}

/**
 * The conflicts among `held` (what an identity holds, with what it would be given): each rule with something
 * held on both of its sides. Rules named in `excepted` (a standing exception) are left out. Pure.
 */
export function findConflicts(held: readonly HeldEntitlement[], rules: readonly SeparationRule[], excepted: ReadonlySet<string> = new Set()): SodConflict[] {
  const keys = new Set(held.map(heldKey));
  const conflicts: SodConflict[] = [];
  for (const rule of rules) {
    if (excepted.has(rule.name)) continue;
    const [a, b] = rule.document.sides.map((side) => side.filter((h) => keys.has(heldKey(h))));
    if (a && b && a.length > 0 && b.length > 0) conflicts.push({ policy: rule.name, sides: [a, b] });
  }
  return conflicts;
}

/**
 * Separation of duties before a grant: refuses with MUSTER_ERR_SOD, naming both sides of each conflict, when
 * giving `requested` to someone holding `held` would hold both sides of a rule. A conflict that exists already
 * without the request is not the request's doing and is left to the detective scan.
 */
export function checkSeparationOfDuties(held: readonly HeldEntitlement[], requested: readonly HeldEntitlement[], rules: readonly SeparationRule[], excepted: ReadonlySet<string> = new Set()): void {
  const before = new Set(findConflicts(held, rules, excepted).map((c) => c.policy));
  const conflicts = findConflicts([...held, ...requested], rules, excepted).filter((c) => !before.has(c.policy));
  if (conflicts.length === 0) return;
  throw new MusterError(
    'MUSTER_ERR_SOD',
    `separation of duties: ${conflicts.map((c) => `${c.policy} (${describeHeld(c.sides[0])} against ${describeHeld(c.sides[1])})`).join('; ')}`,
    conflicts.map((c) => ({ field: c.policy, message: `${describeHeld(c.sides[0])} conflicts with ${describeHeld(c.sides[1])}` })),
  );
}
