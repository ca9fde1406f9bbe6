import type { AuditWriter } from '../audit/writer.ts';
import { RefusalAggregator } from '../audit/refusal-aggregator.ts';
import type { MusterConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { RateLimiter } from '../core/limits/token-buckets.ts';
import type { Scheduler } from '../queue/scheduler.ts';
import type { Store } from '../store/store.ts';

/** How often closed refusal windows are looked for, at most (a quiet source's aggregate is written this late at worst). */
const FLUSH_EVERY_MS = 5000;
export const REFUSAL_FLUSH_TASK = 'audit.refusals.flush';

export interface RequestLimits {
  readonly refusals: RefusalAggregator;
  readonly rateLimiter: RateLimiter;
  /** Writes every open window's aggregate (the scheduler, stopped first, runs no more flushes). */
  stop(): Promise<void>;
}

/** The refusal aggregator and rate limiter of one process, from server.limits; the scheduler flushes closed windows every few seconds. */
export function requestLimitsOf(config: MusterConfig, deps: { readonly store: Store; readonly clock: Clock; readonly audit: AuditWriter; readonly scheduler: Scheduler }): RequestLimits {
  const { refusals, rate } = config.server.limits;
  const aggregator = new RefusalAggregator({ ...deps, windowSeconds: refusals.windowSeconds, writtenAtOnce: refusals.writtenAtOnce, samples: refusals.samples, maxSources: refusals.maxSources });
  deps.scheduler.add({ name: REFUSAL_FLUSH_TASK, everyMs: Math.min(FLUSH_EVERY_MS, refusals.windowSeconds * 1000), run: () => aggregator.flushDue() });
  return {
    refusals: aggregator,
    rateLimiter: new RateLimiter(rate),
    stop: () => aggregator.flushAll(),
  };
}
