import type { ConnectionRefusal } from '../listener-limits.ts';

/** What an OCSP worker thread asks of the thread that holds the responder. */
export type FromOcspWorker =
  | { readonly type: 'answer'; readonly id: number; readonly request: Uint8Array }
  | { readonly type: 'http'; readonly id: number; readonly method: string; readonly url: string; readonly headers: readonly [string, string][]; readonly body: Uint8Array | null }
  | { readonly type: 'refused'; readonly listener: string; readonly reason: ConnectionRefusal }
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'failed'; readonly code: string; readonly message: string }
  | { readonly type: 'closed' };

/** What the responder's thread tells an OCSP worker. `epoch` counts the responder's changes. */
export type ToOcspWorker =
  | {
      readonly type: 'answer';
      readonly id: number;
      readonly epoch: number;
      readonly der: Uint8Array;
      readonly producedAt?: number;
      readonly nextUpdate?: number;
      readonly serial?: string;
      readonly copyable: boolean;
    }
  | { readonly type: 'changed'; readonly epoch: number; readonly serial?: string }
  | { readonly type: 'http'; readonly id: number; readonly status: number; readonly headers: readonly [string, string][]; readonly body: Uint8Array }
  | { readonly type: 'close' };

/** What an OCSP worker thread starts with (its workerData). */
export interface OcspWorkerData {
  readonly host: string;
  readonly port: number;
  /** Where OCSP is served on the listener, e.g. '/ocsp'. */
  readonly path: string;
  /** The listener's name in metrics. */
  readonly name: string;
  readonly limits: import('../../config/limits-schema.ts').ListenerLimits;
  /** Distinct requests whose answers a worker keeps (pki.ocspRequestCacheEntries). */
  readonly cacheEntries: number;
  /** The responder's change count when the worker starts. */
  readonly epoch: number;
}
