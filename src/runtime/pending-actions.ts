import { MusterError } from '../core/errors.ts';
import { twoPersonAgreementChanges } from '../core/federation/two-person.ts';
import type { AgreementVersion } from '../federation/agreements.ts';
import { type Decider, type PendingAction, PendingActions, type PendingKind } from '../operators/pending-actions.ts';
import { requireAnyRole } from '../operators/principal.ts';
import { grantRole } from '../operators/roles.ts';
import { agreementService } from './agreements.ts';
import { caKinds } from './ca-pending.ts';
import type { Muster } from './context.ts';
import { operatorDeps } from './operators.ts';

/** A trust agreement saved as proposed, once a second federation admin confirms. */
export const AGREEMENT_SAVE = 'agreement.save';
/** An operator role that needs a second operator-admin (ca-operator, security-officer, federation-admin). */
export const OPERATOR_GRANT = 'operator.grant';

/** The roles whose grant needs a second operator-admin: who holds them can change the CA, holds, or what leaves for RPs. */
export const TWO_PERSON_ROLES: readonly string[] = ['ca-operator', 'security-officer', 'federation-admin'];

/** The two-person actions muster knows, each with the role its confirmer needs and what it runs. */
function kinds(ctx: Muster): Map<string, PendingKind> {
  return new Map<string, PendingKind>([
    ...caKinds(ctx),
    [
      AGREEMENT_SAVE,
      {
        role: 'federation-admin',
        run: async (action, by) => {
          const { id, document } = action.payload as { id: string; document: unknown };
          const why = `${action.reason} (proposed by ${action.proposedBy}, confirmed by ${by.actor}: pending action ${action.id})`;
          const saved = await agreementService(ctx).save(id, document, by.actor, why);
          return { agreement: saved.id, version: saved.version };
        },
      },
    ],
    [
      OPERATOR_GRANT,
      {
        role: 'operator-admin',
        run: async (action, by) => {
          const { identityId, role } = action.payload as { identityId: string; role: string };
          await grantRole(operatorDeps(ctx), by, { identityId, role, reason: `${action.reason} (proposed by ${action.proposedBy}: pending action ${action.id})` }, by.correlationId);
          return { identityId, role };
        },
      },
    ],
  ]);
}

/** The two-person actions over a started muster (admin.pendingActions). */
export function pendingActions(ctx: Muster): PendingActions {
  return new PendingActions({ store: ctx.store, clock: ctx.clock, audit: ctx.audit, expiryHours: ctx.config.admin.pendingActions.expiryHours, kinds: kinds(ctx) });
}

/**
 * Saves a trust agreement, or — when the change touches redirect URIs, keys or released attributes of an agreement
 * in force — proposes it: it takes effect only when a second federation admin confirms.
 */
export async function saveOrProposeAgreement(ctx: Muster, id: string, document: unknown, reason: string, by: Decider): Promise<{ agreement: AgreementVersion } | { pending: PendingAction }> {
  const agreements = agreementService(ctx);
  const checked = await agreements.check(id, document);
  const current = (await agreements.list()).find((a) => a.id === id);
  const changed = current && current.status !== 'ended' ? twoPersonAgreementChanges(current.document, checked) : [];
  if (changed.length === 0) return { agreement: await agreements.save(id, document, by.actor, reason) };
  const summary = `save trust agreement '${id}' changing ${changed.join(', ')}`;
  return { pending: await pendingActions(ctx).propose({ kind: AGREEMENT_SAVE, target: `agreement:${id}`, summary, payload: { id, document, changed }, reason }, by) };
}

/** Grants a role, or — for ca-operator, security-officer and federation-admin — proposes the grant to a second operator-admin. */
export async function grantOrPropose(ctx: Muster, by: Decider, change: { identityId: string; role: string; reason: string }): Promise<{ granted: true } | { pending: PendingAction }> {
  if (!TWO_PERSON_ROLES.includes(change.role)) {
    await grantRole(operatorDeps(ctx), by, change, by.correlationId);
    return { granted: true };
  }
  requireAnyRole(by, ['operator-admin'], 'granting an operator role');
  if (change.identityId === by.identityId) {
    throw new MusterError('MUSTER_ERR_FORBIDDEN', 'an operator cannot grant a role to itself: another operator-admin must', [
      { field: 'id', value: change.identityId, message: 'the granting operator' },
    ]);
  }
  const summary = `grant ${change.role} to ${change.identityId}`;
  const payload = { identityId: change.identityId, role: change.role };
  return { pending: await pendingActions(ctx).propose({ kind: OPERATOR_GRANT, target: `operator:${change.identityId}`, summary, payload, reason: change.reason }, by) };
}
