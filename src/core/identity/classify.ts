import type { IdentityStatus } from './status.ts';

/** Attributes whose change makes a mover (the playbook's "Modification" stage). */
export const ROLE_ATTRIBUTES: ReadonlySet<string> = new Set(['job_title', 'department', 'component', 'location', 'manager', 'user_type', 'home_agency']);

/** The lifecycle event a status move means; null when the status is unchanged. */
export function statusEvent(from: IdentityStatus | null, to: IdentityStatus): string | null {
  if (from === null) return to === 'terminated' ? 'identity.historical' : 'identity.joiner';
  if (from === to) return null;
  if (to === 'terminated') return 'identity.leaver';
  if (from === 'terminated' && to === 'active') return 'identity.rehire';
  if (to === 'leave') return 'identity.leave';
  if (to === 'suspended') return 'identity.suspended';
  if (to === 'inactive') return 'identity.disabled';
  if (from === 'pending' && to === 'active') return 'identity.activated';
  if (to === 'active') return 'identity.return';
  return null;
}

/** The attribute event for a set of changed attribute names. */
export function attributeEvent(changed: readonly string[]): string | null {
  if (changed.length === 0) return null;
  return changed.some((name) => ROLE_ATTRIBUTES.has(name)) ? 'identity.mover' : 'identity.updated';
}
