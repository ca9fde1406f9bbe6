import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditDraft } from './chain.ts';

/** The credential an actor acts through: an operator and the API token of the request or command. */
export interface Acting {
  readonly actor: string;
  readonly tokenId: string;
}

const current = new AsyncLocalStorage<Acting>();

/**
 * Runs `fn` with `acting` in scope: every audit entry written meanwhile whose actor is that operator
 * also names the token (`data.token_id`), so services record `operator:<id>` as the actor without
 * each of them carrying the token along.
 */
export function actingThrough<T>(acting: Acting, fn: () => Promise<T>): Promise<T> {
  return current.run(acting, fn);
}

/** The drafts with the token of the operator in scope named in their data. */
export function stampToken(drafts: readonly AuditDraft[]): readonly AuditDraft[] {
  const acting = current.getStore();
  if (!acting) return drafts;
  return drafts.map((draft) => (draft.actor === acting.actor && draft.data?.token_id === undefined ? { ...draft, data: { ...(draft.data ?? {}), token_id: acting.tokenId } } : draft));
}
