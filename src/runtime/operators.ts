import type { OperatorDeps } from '../operators/tokens.ts';
import type { Muster } from './context.ts';

/** What the operators' services need, from a started muster. */
export function operatorDeps(ctx: Muster): OperatorDeps {
  return { store: ctx.store, audit: ctx.audit, clock: ctx.clock, tokens: ctx.config.admin.tokens };
}
