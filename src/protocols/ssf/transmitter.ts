import type { AuditWriter } from '../../audit/writer.ts';
import type { Resolver } from '../../connectors/outbound/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { KeyVault } from '../../core/key-vault.ts';
import type { Store } from '../../store/store.ts';

/** What the transmitter's parts share. */
export interface TransmitterDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  /** Opens the sealed SET signing key. */
  readonly vault: KeyVault;
  /** The transmitter's issuer: the OP issuer (SETs' `iss`, the `iss_sub` subjects' `iss`). */
  readonly issuer: string;
  /** Origin the `/ssf/...` endpoints are served from (poll endpoints are named under it). */
  readonly endpointBase: string;
  readonly minVerificationIntervalSeconds: number;
  /** How push endpoints' host names are resolved when a stream names them (`dns.lookup` unless injected). */
  readonly resolver?: Resolver;
}

/** The audit actor of a receiver's own requests. */
export const receiverActor = (clientId: string): string => `rp:${clientId}`;
/** The audit actor of what the transmitter does on its own. */
export const TRANSMITTER_ACTOR = 'muster:signals';
