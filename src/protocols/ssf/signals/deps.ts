import type { AuditWriter } from '../../../audit/writer.ts';
import type { Clock } from '../../../core/clock.ts';
import type { KeyVault } from '../../../core/key-vault.ts';
import type { Store } from '../../../store/store.ts';

/** What the signal services outside the job handler need. */
export interface SignalDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  /** Opens the sealed SET signing key. */
  readonly vault: KeyVault;
  /** The OP issuer, as SETs name it. */
  readonly issuer: () => string;
}
