import { sweepRequests } from '../governance/index.ts';
import type { Muster } from './context.ts';

/**
 * The scheduler task of access requests: approvals escalated or expired, grants and just-in-time activations ended.
 * Not a singleton: its rows are locked (`FOR UPDATE`) in one transaction, so two workers never act on one request.
 */
export const ACCESS_REQUESTS_TASK = 'access.requests';

export function accessRequestsSweep(muster: Muster): () => Promise<void> {
  return async () => {
    await sweepRequests({ store: muster.store, audit: muster.audit, clock: muster.clock, config: muster.config });
  };
}
