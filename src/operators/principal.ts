import { MusterError } from '../core/errors.ts';

/** An operator acting through one of its tokens: who is recorded, and what the token may do. */
export interface OperatorPrincipal {
  readonly tokenId: string;
  readonly tokenName: string;
  /** The operator: an identity of the MUR. */
  readonly identityId: string;
  /** The token's roles the operator still holds. */
  readonly roles: readonly string[];
  /** `operator:<identity-id>`: the actor of the audit entries of what it does. */
  readonly actor: string;
}

export function operatorActor(identityId: string): string {
  return `operator:${identityId}`;
}

/** Throws 403 unless the operator's token holds one of `roles`. */
export function requireAnyRole(by: OperatorPrincipal, roles: readonly string[], what: string): void {
  if (roles.some((role) => by.roles.includes(role))) return;
  throw new MusterError('MUSTER_ERR_FORBIDDEN', `${what} needs a token with the role ${roles.join(' or ')}`, [{ field: 'roles', value: by.roles.join(','), message: `needs ${roles.join(' or ')}` }]);
}
