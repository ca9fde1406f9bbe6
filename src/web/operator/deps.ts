import { MusterError } from '../../core/errors.ts';
import type { FixedRole } from '../../core/operators/roles.ts';
import type { Muster } from '../../runtime/context.ts';
import { type ConsoleContext, operatorOf } from '../env.ts';
import type { ConsoleRoles } from '../route.ts';

/** What the operator pages need: the started muster, whose services the admin API calls too. */
export interface OperatorDeps {
  readonly muster: () => Muster | undefined;
}

export function musterOf(deps: OperatorDeps): Muster {
  const muster = deps.muster();
  if (!muster) throw new MusterError('MUSTER_ERR_INTERNAL', 'the operator pages of the console need the started muster');
  return muster;
}

/** Does the operator of this request hold one of `roles` (a part of a page shown only to the roles of its API route)? */
export function mayUse(c: ConsoleContext, roles: readonly FixedRole[]): boolean {
  const held = operatorOf(c).roles;
  return roles.some((role) => held.includes(role));
}

/** The roles of the admin API routes the pages mirror (docs/operators.md), named once here. */
export const API_ROLES = {
  identities: ['registrar', 'sponsor', 'adjudicator', 'issuer', 'helpdesk', 'security-officer', 'auditor'],
  holds: ['security-officer', 'helpdesk', 'auditor'],
  placeHold: ['security-officer'],
  suspendCard: ['issuer', 'helpdesk', 'security-officer'],
  credentials: ['issuer', 'helpdesk', 'security-officer', 'auditor'],
  imports: ['source-admin', 'registrar', 'auditor'],
  disputes: ['registrar', 'auditor'],
  audit: ['auditor', 'security-officer'],
  trace: ['auditor', 'security-officer', 'provisioning-admin'],
  reports: ['auditor', 'security-officer', 'provisioning-admin', 'issuer'],
  queues: ['provisioning-admin', 'auditor'],
  retry: ['provisioning-admin'],
  exceptions: ['security-officer', 'issuer', 'auditor'],
  pendingActions: ['federation-admin', 'operator-admin', 'security-officer', 'ca-operator', 'auditor'],
  agreements: ['federation-admin', 'auditor'],
} as const satisfies Record<string, ConsoleRoles>;

/** A Date or ISO text as `YYYY-MM-DD HH:MM:SSZ`, for tables. */
export function when(at: Date | string | null | undefined): string {
  if (!at) return '—';
  const iso = (typeof at === 'string' ? new Date(at) : at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}
