import { createHash } from 'node:crypto';
import type { Provider } from 'oidc-provider';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/store.ts';
import { insertPayloadOnce } from './adapter.ts';

/**
 * oidc-provider's replay detection of client assertion `jti`s (`ReplayDetection.unique`), made one atomic statement:
 * oidc-provider finds and then saves (two round trips, and two requests carrying the same assertion at once could both
 * pass); here the row is inserted unless a live one holds the id, and only the request whose insert wrote it passes.
 */
export function atomicReplayDetection(provider: Provider, deps: { readonly store: Store; readonly clock: Clock }): void {
  provider.ReplayDetection.unique = async (iss: string, jti: string, exp: number): Promise<boolean> => {
    const id = createHash('sha256').update(`${iss}${jti}`).digest('base64url');
    // `exp` is on the wall clock, as oidc-provider reckons it; the row's expiry is on muster's clock, as every row's
    const seconds = Math.max(exp - Math.floor(Date.now() / 1000), 1);
    const now = deps.clock.now();
    return insertPayloadOnce(deps.store, 'ReplayDetection', id, { jti: id, iss, kind: 'ReplayDetection', exp }, new Date(now.getTime() + seconds * 1000), now);
  };
}
