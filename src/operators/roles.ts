import { randomUUID } from 'node:crypto';
import { MusterError } from '../core/errors.ts';
import { GRANTING_ROLE } from '../core/operators/roles.ts';
import type { Tx } from '../store/store.ts';
import { type OperatorPrincipal, requireAnyRole } from './principal.ts';
import { allHeldGrants, anyGrantEver, heldRoles, insertGrant, lockIdentity, lockOperators, markRoleRevoked } from './role-repository.ts';
import { checkIdentityId, checkReason, checkRoles } from './token-request.ts';
import { type CreatedToken, type OperatorDeps, issueToken } from './tokens.ts';

export interface RoleChange {
  readonly identityId: string;
  readonly role: string;
  readonly reason: string;
}

export interface OperatorInfo {
  readonly identityId: string;
  readonly roles: readonly { readonly role: string; readonly reason: string; readonly grantedBy: string; readonly grantedAt: string }[];
}

/** Grants a role to an active identity: by an operator-admin, never to itself; audited `operator.role_granted`. */
export async function grantRole(deps: OperatorDeps, by: OperatorPrincipal, change: RoleChange, correlationId: string = randomUUID()): Promise<void> {
  requireAnyRole(by, [GRANTING_ROLE], 'granting an operator role');
  const identityId = checkIdentityId(change.identityId, 'id');
  if (identityId === by.identityId)
    throw new MusterError('MUSTER_ERR_FORBIDDEN', 'an operator cannot grant a role to itself: another operator-admin must', [{ field: 'id', value: identityId, message: 'the granting operator' }]);
  const [role] = checkRoles([change.role], 'role');
  const reason = checkReason(change.reason);
  await deps.store.transaction(async (tx) => {
    await lockOperators(tx);
    await grantInside(tx, deps, { identityId, role: role as string, reason }, by.actor, correlationId);
  });
}

/** Ends a held role: by an operator-admin or a security officer; audited `operator.role_revoked`. Its tokens lose the role at once. */
export async function revokeRole(deps: OperatorDeps, by: OperatorPrincipal, change: RoleChange, correlationId: string = randomUUID()): Promise<void> {
  requireAnyRole(by, [GRANTING_ROLE, 'security-officer'], 'revoking an operator role');
  const identityId = checkIdentityId(change.identityId, 'id');
  const [role] = checkRoles([change.role], 'role');
  const reason = checkReason(change.reason);
  await deps.store.transaction(async (tx) => {
    if (!(await markRoleRevoked(tx, identityId, role as string, by.actor, reason, deps.clock.now()))) {
      throw new MusterError('MUSTER_ERR_NOT_FOUND', `identity ${identityId} does not hold the role ${role}`, [{ field: 'role', value: role, message: 'not held' }]);
    }
    await deps.audit.append(tx, [{ actor: by.actor, action: 'operator.role_revoked', target: identityId, reason, data: { role } }], correlationId);
  });
}

/**
 * The first operator: grants `roles` to an active person and issues them a token, only while no role
 * was ever granted. Local only (the command line against the store), audited as `actor`.
 */
export async function bootstrapOperator(
  deps: OperatorDeps,
  request: { identityId: string; roles: readonly string[]; reason?: string | undefined },
  actor: string,
  correlationId: string,
): Promise<CreatedToken> {
  const identityId = checkIdentityId(request.identityId, 'id');
  const roles = checkRoles(request.roles);
  const reason = checkReason(request.reason ?? 'bootstrap: the first operator');
  return deps.store.transaction(async (tx) => {
    await lockOperators(tx);
    if (await anyGrantEver(tx))
      throw new MusterError('MUSTER_ERR_CONFLICT', 'operators exist already: an operator-admin grants roles with `muster operator grant`', [
        { message: 'bootstrap works only on a store that never had an operator' },
      ]);
    const identity = await lockIdentity(tx, identityId);
    if (identity && identity.kind !== 'person')
      throw new MusterError('MUSTER_ERR_VALIDATION', `the first operator must be a person; ${identityId} is ${identity.kind}`, [{ field: 'id', value: identityId, message: identity.kind }]);
    for (const role of roles) await grantInside(tx, deps, { identityId, role, reason }, actor, correlationId);
    await deps.audit.append(tx, [{ actor, action: 'operator.bootstrapped', target: identityId, reason, data: { roles } }], correlationId);
    return issueToken(tx, deps, { identityId, roles, name: 'bootstrap' }, actor, correlationId);
  });
}

/** Every operator with the roles it holds now. */
export async function listOperators(deps: Pick<OperatorDeps, 'store'>): Promise<OperatorInfo[]> {
  const byIdentity = new Map<string, OperatorInfo['roles'][number][]>();
  for (const g of await allHeldGrants(deps.store)) {
    const roles = byIdentity.get(g.identity_id) ?? [];
    roles.push({ role: g.role, reason: g.reason, grantedBy: g.granted_by, grantedAt: g.granted_at.toISOString() });
    byIdentity.set(g.identity_id, roles);
  }
  return [...byIdentity].map(([identityId, roles]) => ({ identityId, roles }));
}

async function grantInside(tx: Tx, deps: OperatorDeps, change: RoleChange, actor: string, correlationId: string): Promise<void> {
  const identity = await lockIdentity(tx, change.identityId);
  if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${change.identityId}`, [{ field: 'id', value: change.identityId, message: 'not found' }]);
  if (identity.status !== 'active')
    throw new MusterError('MUSTER_ERR_CONFLICT', `identity ${change.identityId} is ${identity.status}: only an active identity becomes an operator`, [
      { field: 'id', value: change.identityId, message: `status ${identity.status}` },
    ]);
  if ((await heldRoles(tx, change.identityId)).includes(change.role))
    throw new MusterError('MUSTER_ERR_CONFLICT', `identity ${change.identityId} holds the role ${change.role} already`, [{ field: 'role', value: change.role, message: 'held already' }]);
  const now = deps.clock.now();
  await insertGrant(tx, { id: randomUUID(), identityId: change.identityId, role: change.role, reason: change.reason, grantedBy: actor, grantedAt: now });
  await deps.audit.append(tx, [{ actor, action: 'operator.role_granted', target: change.identityId, reason: change.reason, data: { role: change.role, kind: identity.kind } }], correlationId);
}
