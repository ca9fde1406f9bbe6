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

const SHOWN = 200;

/** What the audit log keeps of a value the request chose: control characters (NUL among them) replaced, cut short. */
export function boundedText(value: string, max = SHOWN): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Audits a refusal as `oidc.refused`; the OP's answer never waits on it failing. The client id and description are bounded and cleaned. */
export async function auditRefusal(deps: RefusalDeps, refusal: Refusal, correlationId: string): Promise<void> {
  const clientId = refusal.clientId === undefined ? undefined : boundedText(String(refusal.clientId), 100);
  const description = refusal.description ? boundedText(refusal.description) : undefined;
  const data = { clientId: clientId ?? null, reason: refusal.reason, ...(refusal.error ? { error: boundedText(refusal.error, 100) } : {}), ...(description ? { description } : {}) };
  await auditGroupCommit(deps.store, deps.audit).append([{
    actor: `oidc-client:${clientId ?? 'unknown'}`,
    action: 'oidc.refused',
    target: refusal.identityId ?? `client:${clientId ?? 'unknown'}`,
    reason: refusal.reason,
    data,
  }], correlationId);
}
