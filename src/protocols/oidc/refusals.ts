import { auditGroupCommit } from '../../audit/group-commit.ts';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Store } from '../../store/store.ts';

/** A refusal by the OP: which client, whose sign-in (when known), the reason, and the protocol error sent. */
export interface Refusal {
  readonly clientId: string | undefined;
  readonly reason: string;
  readonly identityId?: string;
  readonly error?: string;
  readonly description?: string;
}

export interface RefusalDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
}

/** Audits a refusal as `oidc.refused`; the OP's answer never waits on it failing. */
export async function auditRefusal(deps: RefusalDeps, refusal: Refusal, correlationId: string): Promise<void> {
  const data = { clientId: refusal.clientId ?? null, reason: refusal.reason, ...(refusal.error ? { error: refusal.error } : {}), ...(refusal.description ? { description: refusal.description } : {}) };
  await auditGroupCommit(deps.store, deps.audit).append([{
    actor: `oidc-client:${refusal.clientId ?? 'unknown'}`,
    action: 'oidc.refused',
    target: refusal.identityId ?? `client:${refusal.clientId ?? 'unknown'}`,
    reason: refusal.reason,
    data,
  }], correlationId);
}
