import { auditGroupCommit } from '../../audit/group-commit.ts';
import type { AuditDraft } from '../../audit/chain.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';
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

/** The request refused, when it came over the network: refusals from one address are then audited as aggregates. */
export interface RefusalOrigin {
  readonly address: string | undefined;
  readonly method: string;
  readonly path: string;
}

export interface RefusalDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  /** Where refusals with an origin go: a few per address per window one by one, the rest counted. */
  readonly refusals?: RefusalAggregator;
}

const SHOWN = 200;

/** What the audit log keeps of a value the request chose: control characters (NUL among them) replaced, cut short. */
export function boundedText(value: string, max = SHOWN): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Audits a refusal as `oidc.refused`; the OP's answer never waits on it failing. The client id and description are
 * bounded and cleaned. With an origin and an aggregator, refusals from one address are aggregated per window.
 */
export async function auditRefusal(deps: RefusalDeps, refusal: Refusal, correlationId: string, origin?: RefusalOrigin): Promise<void> {
  const draft = refusalDraft(refusal);
  if (deps.refusals && origin?.address) {
    const sample = { method: origin.method, path: origin.path, reason: `${refusal.reason}: ${refusal.error ?? ''}` };
    return deps.refusals.refuse({ source: `address:${origin.address}`, draft, sample, correlationId });
  }
  await auditGroupCommit(deps.store, deps.audit).append([draft], correlationId);
}

function refusalDraft(refusal: Refusal): AuditDraft {
  const clientId = refusal.clientId === undefined ? undefined : boundedText(String(refusal.clientId), 100);
  const description = refusal.description ? boundedText(refusal.description) : undefined;
  const data = { clientId: clientId ?? null, reason: refusal.reason, ...(refusal.error ? { error: boundedText(refusal.error, 100) } : {}), ...(description ? { description } : {}) };
  return {
    actor: `oidc-client:${clientId ?? 'unknown'}`,
    action: 'oidc.refused',
    target: refusal.identityId ?? `client:${clientId ?? 'unknown'}`,
    reason: refusal.reason,
    data,
  };
}
