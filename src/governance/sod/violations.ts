import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { HeldEntitlement } from '../../core/access/policy.ts';
import { describeHeld, findConflicts, heldKey } from '../../core/access/sod.ts';
import type { Clock } from '../../core/clock.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { holdingsOf, insertViolationEvents, openViolations, recordViolations, separationPolicies, standingExceptions } from './sod-repository.ts';

export interface SodDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

/** A conflict that exists: who, which policy, what is held on each side, and the exception mitigating it, if any. */
export interface SodViolation {
  readonly identityId: string;
  readonly policy: string;
  readonly sides: readonly [readonly string[], readonly string[]];
  readonly mitigated: { readonly exceptionId: string; readonly approver: string; readonly compensatingControl: string; readonly expiresAt: string } | null;
}

/**
 * Detective separation of duties: every identity that holds both sides of a policy in force, however it came to
 * (a group granted directly in a target and recorded by reconciliation, an operator role, a policy changed after
 * the grants). Mitigated when an unexpired exception names the identity and the policy.
 */
export async function listViolations(db: Queryable, now: Date): Promise<SodViolation[]> {
  const rules = await separationPolicies(db);
  if (rules.length === 0) return [];
  const holdings = await holdingsOf(db, rules);
  const exceptions = new Map((await standingExceptions(db, now)).map((e) => [`${e.identity_id} ${e.policy}`, e]));
  const out: SodViolation[] = [];
  for (const [identityId, held] of [...holdings].sort(([a], [b]) => a.localeCompare(b))) {
    for (const c of findConflicts(held, rules)) {
      const e = exceptions.get(`${identityId} ${c.policy}`);
      out.push({
        identityId,
        policy: c.policy,
        sides: [c.sides[0].map(heldKey), c.sides[1].map(heldKey)],
        mitigated: e ? { exceptionId: e.id, approver: e.approver, compensatingControl: e.compensating_control, expiresAt: e.expires_at.toISOString() } : null,
      });
    }
  }
  return out;
}

/** The scheduler's scan: records the violations, and raises `sod.violation` (event and audit entry) for each new unmitigated one. */
export async function scanViolations(deps: SodDeps): Promise<{ violations: number; raised: number }> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const violations = await listViolations(tx, now);
    const known = await openViolations(tx);
    const fresh = violations.filter((v) => v.mitigated === null && !known.has(`${v.identityId} ${v.policy}`));
    await recordViolations(tx, violations, now);
    const correlationId = `sod-scan-${randomUUID()}`;
    await insertViolationEvents(
      tx,
      fresh.map((v) => ({ identityId: v.identityId, payload: { policy: v.policy, sides: v.sides } })),
      correlationId,
      now,
    );
    if (fresh.length > 0) {
      await deps.audit.append(
        tx,
        fresh.map((v) => ({
          actor: 'muster:governance',
          action: 'sod.violation',
          target: v.identityId,
          reason: `${v.policy}: ${v.sides[0].join(', ')} against ${v.sides[1].join(', ')}`,
          data: { code: 'MUSTER_ERR_SOD', policy: v.policy, sides: v.sides },
        })),
        correlationId,
      );
    }
    return { violations: violations.length, raised: fresh.length };
  });
}

export function violationText(v: SodViolation): string {
  return `${v.policy}: ${v.sides[0].join(', ')} against ${v.sides[1].join(', ')}`;
}

export type { HeldEntitlement };
export { describeHeld };
