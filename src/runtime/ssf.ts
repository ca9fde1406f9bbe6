import type { Muster } from './context.ts';
import { PollingLoop } from '../queue/polling-loop.ts';
import { federationIssuer } from '../federation/issuer.ts';
import type { SignalDeps } from '../protocols/ssf/signals/deps.ts';
import { type ClaimedSet, type DeliveryOutcome, type PushDeliveryOptions, claimDuePushes, deliverClaimed } from '../protocols/ssf/delivery.ts';
import { endpointBaseOf } from '../protocols/ssf/metadata.ts';
import type { TransmitterDeps } from '../protocols/ssf/transmitter.ts';

const MAX_BACKOFF_MS = 15 * 60_000;
const BATCH = 50;

/** The transmitter's parts over a started muster; `boundPort` when the server listens on a port it picked (`--port 0`). */
export function transmitterDeps(ctx: Muster, boundPort?: number): TransmitterDeps {
  const issuer = federationIssuer(ctx.config, boundPort);
  return {
    store: ctx.store,
    clock: ctx.clock,
    audit: ctx.audit,
    vault: ctx.keyVault,
    issuer,
    endpointBase: endpointBaseOf(issuer),
    minVerificationIntervalSeconds: ctx.config.federation.ssf.minVerificationIntervalSeconds,
  };
}

/** What the signal services need over a started muster. */
export function signalDeps(ctx: Muster, issuer: () => string = () => federationIssuer(ctx.config)): SignalDeps {
  return { store: ctx.store, clock: ctx.clock, audit: ctx.audit, vault: ctx.keyVault, issuer };
}

function pushOptions(ctx: Muster): PushDeliveryOptions {
  const ssf = ctx.config.federation.ssf;
  return {
    store: ctx.store,
    clock: ctx.clock,
    audit: ctx.audit,
    timeoutMs: ssf.pushTimeoutMs,
    maxAttempts: ssf.pushMaxAttempts,
    backoff: { baseMs: ssf.retryBaseMs, maxMs: MAX_BACKOFF_MS },
    leaseMs: ssf.pushTimeoutMs * 2 + 1000,
    batchSize: BATCH,
  };
}

export interface SignalDeliveryOptions {
  /** Told about every push attempt (metrics, logs, tests). */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /** Told about a round that failed (the store unreachable …); the loop carries on. */
  readonly onError?: (error: unknown) => void;
}

export interface SignalDelivery {
  /** Stops looking for work and waits for the round in flight. */
  stop(): Promise<void>;
}

/**
 * The push worker (RFC 8935) for `muster serve` and `muster worker`: every `federation.ssf.pollMs` it claims the
 * SETs due on push streams and POSTs them, oldest first per stream, retrying with back-off. Its state is the
 * `ssf_events` table, so a restart loses nothing, and several workers can run against one PostgreSQL.
 */
export function startSignalDelivery(ctx: Muster, options: SignalDeliveryOptions = {}): SignalDelivery {
  const o = pushOptions(ctx);
  const loop = new PollingLoop({
    pollMs: ctx.config.federation.ssf.pollMs,
    loops: 1,
    round: async (_, signal) => {
      while (!signal.aborted && (await runRound(o, options)));
    },
    onError: options.onError ?? (() => {}),
  });
  loop.start();
  return { stop: () => loop.stop() };
}

/** One round: claim, push each (streams in parallel, each stream's head only), report. True when work was found. */
async function runRound(o: PushDeliveryOptions, options: SignalDeliveryOptions): Promise<boolean> {
  let claimed: ClaimedSet[];
  try {
    claimed = await claimDuePushes(o);
  } catch (error) {
    options.onError?.(error);
    return false;
  }
  const outcomes = await Promise.all(
    claimed.map((set) =>
      deliverClaimed(o, set).catch((error: unknown) => {
        options.onError?.(error);
        return undefined;
      }),
    ),
  );
  for (const outcome of outcomes) if (outcome) options.onOutcome?.(outcome);
  return claimed.length > 0;
}
