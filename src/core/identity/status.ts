import { MusterError } from '../errors.ts';

/**
 * The identity status machine:
 * pending → active ⇄ leave / suspended → inactive → terminated → archived,
 * and rehire returns a terminated identity to active. Every other move is refused.
 */
export const IDENTITY_STATUSES = ['pending', 'active', 'leave', 'suspended', 'inactive', 'terminated', 'archived'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

const MOVES: Readonly<Record<IdentityStatus, readonly IdentityStatus[]>> = {
  pending: ['active'],
  active: ['leave', 'suspended', 'inactive'],
  leave: ['active', 'inactive'],
  suspended: ['active', 'inactive'],
  inactive: ['terminated'],
  terminated: ['archived', 'active'],
  archived: [],
};

export function isIdentityStatus(value: string): value is IdentityStatus {
  return (IDENTITY_STATUSES as readonly string[]).includes(value);
}

export function canMove(from: IdentityStatus, to: IdentityStatus): boolean {
  return MOVES[from].includes(to);
}

/**
 * The hops from one status to another: the direct move, or a move through `inactive`
 * (a leaver is disabled before being terminated). Refuses anything else with a clear error.
 */
export function planStatusPath(from: IdentityStatus, to: IdentityStatus): IdentityStatus[] {
  if (from === to) return [];
  if (canMove(from, to)) return [to];
  if (canMove(from, 'inactive') && canMove('inactive', to)) return ['inactive', to];
  throw new MusterError('MUSTER_ERR_STATUS_TRANSITION', `an identity cannot move from ${from} to ${to}`, [
    { message: `allowed from ${from}: ${MOVES[from].join(', ') || 'none'}`, field: 'status', value: to },
  ]);
}
