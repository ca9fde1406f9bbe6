import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditDraft } from './chain.ts';

/**
 * The credential an actor acts through: an operator and the API token of the request or command, or the console
 * session (its id, never the cookie) of a request made from the web console.
 */
export type Acting = { readonly actor: string; readonly tokenId: string } | { readonly actor: string; readonly sessionId: string };

const current = new AsyncLocalStorage<Acting>();

/**
 * Runs `fn` with `acting` in scope: every audit entry written meanwhile whose actor is that operator
 * also names the token (`data.token_id`) or the console session (`data.session_id`), so services record
 * `operator:<id>` as the actor without each of them carrying the credential along.
 */
export function actingThrough<T>(acting: Acting, fn: () => Promise<T>): Promise<T> {
  return current.run(acting, fn);
}

/** The drafts with the token or console session of the operator in scope named in their data. */
export function stampToken(drafts: readonly AuditDraft[]): readonly AuditDraft[] {
  const acting = current.getStore();
  if (!acting) return drafts;
  const [key, value] = 'tokenId' in acting ? ['token_id', acting.tokenId] : ['session_id', acting.sessionId];
  return drafts.map((draft) => (draft.actor === acting.actor && draft.data?.[key] === undefined ? { ...draft, data: { ...(draft.data ?? {}), [key]: value } } : draft));
}
