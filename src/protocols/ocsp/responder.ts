import type { Clock } from '../../core/clock.ts';
import type { CertificateAuthority } from '../../pki/ca.ts';
import type { RevocationReason } from '../../pki/crl.ts';
import { ocspErrorResponse, type OcspCertStatus, type OcspSigner } from '../../pki/ocsp-signing.ts';
import { issuerHashes, type IssuerHashes } from './issuer-id.ts';
import { normalizeSerial, parseOcspRequest, type RequestedCertId } from './request.ts';
import { LruMap } from '../lru.ts';
import { checkResponder } from './responder-check.ts';
import { ResponseEncoder } from './response-encoder.ts';

const MINUTE_MS = 60_000;
/** At most this many on-demand `unknown` answers are kept; the oldest goes first. */
const UNKNOWN_CACHE_LIMIT = 1024;

export type CertificateStatus = { readonly status: 'good' } | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason: RevocationReason };

export interface OcspResponderOptions {
  /** The issuing CA whose certificates this responder answers for. */
  readonly issuer: CertificateAuthority;
  /** The delegated responder (ocsp-responder profile certificate issued by `issuer`) and its key. */
  readonly responder: OcspSigner;
  readonly clock: Clock;
  /** nextUpdate = thisUpdate + validityMinutes; at most 48 hours. */
  readonly validityMinutes: number;
  /** Distinct request encodings whose parse is remembered, least recently used dropped first (default 10 000). */
  readonly requestCacheEntries?: number;
}

/** Told of a changed serial, or undefined when any may have changed. */
export type StatusWatcher = (serial: string | undefined) => void;

/** The request cache bound when none is configured (config `pki.ocspRequestCacheEntries`). */
export const DEFAULT_REQUEST_CACHE_ENTRIES = 10_000;

/** A DER OCSPResponse as served. Signed (successful) answers carry their validity, in epoch milliseconds. */
export interface OcspAnswer {
  readonly der: Uint8Array;
  /** producedAt, which is also thisUpdate. */
  readonly producedAt?: number;
  readonly nextUpdate?: number;
}

interface Signed extends OcspAnswer {
  readonly producedAt: number;
  readonly nextUpdate: number;
}

interface Entry {
  readonly status: OcspCertStatus;
  /** One pre-signed response per CertID hash algorithm OID. */
  readonly byHash: ReadonlyMap<string, Signed>;
}

/** The same bytes as a Buffer (a Uint8Array subclass): sockets write Buffers without wrapping them first. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const MALFORMED: OcspAnswer = { der: asBuffer(ocspErrorResponse('malformedRequest')) };
const UNAUTHORIZED: OcspAnswer = { der: asBuffer(ocspErrorResponse('unauthorized')) };

type Target = { readonly issuer: IssuerHashes; readonly serial: string } | 'malformed' | 'unauthorized';

/**
 * An RFC 6960 delegated responder for one issuing CA, framework-free: bytes in, DER bytes out.
 * Answers for known serials are pre-signed on every status change (for SHA-1 and SHA-256 CertIDs) and served from
 * memory, so the hot path signs nothing. Nonces are ignored (RFC 5019 §2.2.1 style): a pre-signed answer cannot echo one.
 * A serial of this issuer without a status gets `unknown`, signed on demand (a signed `unknown` is the RFC 6960 §2.2
 * answer for our issuer; `unauthorized` would tell clients to look elsewhere) and reused for half the validity window,
 * at most 1024 kept. Another issuer, or a CertID hash other than SHA-1/SHA-256, gets the unsigned `unauthorized`.
 */
export class OcspResponder {
  readonly #options: OcspResponderOptions;
  readonly #issuer: readonly IssuerHashes[];
  readonly #encoder: ResponseEncoder;
  readonly #entries = new Map<string, Entry>();
  readonly #unknown = new Map<string, Signed>();
  readonly #targets: LruMap<string, Target>;
  /** The latest setStatus/forget call per serial, so a slower earlier signing never overwrites a newer status. */
  readonly #generations = new Map<string, number>();
  #generation = 0;
  readonly #watchers = new Set<StatusWatcher>();

  constructor(options: OcspResponderOptions) {
    checkResponder(options);
    this.#options = options;
    this.#targets = new LruMap(options.requestCacheEntries ?? DEFAULT_REQUEST_CACHE_ENTRIES);
    this.#issuer = issuerHashes(options.issuer.certificate);
    this.#encoder = new ResponseEncoder(options.responder);
  }

  /** Records a certificate's status and signs its responses now. Of overlapping calls for one serial, the last made wins. */
  async setStatus(serial: string, status: CertificateStatus): Promise<void> {
    const key = normalizeSerial(serial);
    const generation = this.#bump(key);
    const entry = await this.#signAll(key, status);
    if (this.#generations.get(key) !== generation) return;
    this.#entries.set(key, entry);
    for (const { hashOid } of this.#issuer) this.#unknown.delete(`${hashOid}:${key}`);
    this.#changed(key);
  }

  /** Forgets a serial (e.g. the certificate expired); it then answers `unknown`. */
  forget(serial: string): void {
    const key = normalizeSerial(serial);
    this.#bump(key);
    this.#entries.delete(key);
    this.#changed(key);
  }

  /**
   * Told after every change of what this responder answers: the serial whose answers changed, or undefined when any
   * may have (a refresh). Returns the function that stops telling. Copies of answers (OCSP workers) are dropped on it.
   */
  watch(watcher: StatusWatcher): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #changed(serial: string | undefined): void {
    for (const watcher of this.#watchers) watcher(serial);
  }

  /**
   * Like `answerNow`, with whether the answer may be copied until `watch` says its serial changed (a pre-signed
   * status, or an error answer; not a signed `unknown`, which expires on its own) and the serial it is about.
   */
  answerToCopy(request: Uint8Array): { readonly answer: OcspAnswer | undefined; readonly serial?: string; readonly copyable: boolean } {
    const target = this.#target(request);
    if (target === 'malformed') return { answer: MALFORMED, copyable: true };
    if (target === 'unauthorized') return { answer: UNAUTHORIZED, copyable: true };
    const presigned = this.#entries.get(target.serial)?.byHash.get(target.issuer.hashOid);
    if (presigned) return { answer: presigned, serial: target.serial, copyable: true };
    return { answer: this.#cachedUnknown(target.issuer, target.serial), serial: target.serial, copyable: false };
  }

  #bump(serial: string): number {
    this.#generation += 1;
    this.#generations.set(serial, this.#generation);
    return this.#generation;
  }

  /** Re-signs every pre-signed response produced more than `ageMs` ago; returns how many serials were re-signed. */
  async refreshOlderThan(ageMs: number): Promise<number> {
    const cutoff = this.#options.clock.now().getTime() - ageMs;
    let count = 0;
    for (const [serial, entry] of [...this.#entries]) {
      const oldest = Math.min(...[...entry.byHash.values()].map((s) => s.producedAt));
      if (oldest > cutoff) continue;
      const fresh = await this.#signAll(serial, entry.status);
      if (this.#entries.get(serial) !== entry) continue; // changed while signing: the newer status stands
      this.#entries.set(serial, fresh);
      count += 1;
    }
    for (const [key, signed] of [...this.#unknown]) if (signed.producedAt <= cutoff) this.#unknown.delete(key);
    if (count > 0) this.#changed(undefined);
    return count;
  }

  /** The DER OCSPResponse for a DER OCSPRequest. Never throws for bad input; one CertID per request (RFC 5019 §2.1.1). */
  async respond(request: Uint8Array): Promise<Uint8Array> {
    return (await this.answer(request)).der;
  }

  /** Like `respond`, with the validity of a signed answer (for HTTP caching, RFC 5019 §6). */
  async answer(request: Uint8Array): Promise<OcspAnswer> {
    const ready = this.answerNow(request);
    if (ready) return ready;
    const target = this.#target(request) as Exclude<Target, string>;
    return this.#signUnknown(target.issuer, target.serial);
  }

  /**
   * The answer without waiting, when none needs signing now: a pre-signed status, a cached `unknown` or an error.
   * Undefined when an `unknown` must be signed first; `answer` does that. The status is looked up on every call.
   */
  answerNow(request: Uint8Array): OcspAnswer | undefined {
    const target = this.#target(request);
    if (target === 'malformed') return MALFORMED;
    if (target === 'unauthorized') return UNAUTHORIZED;
    return this.#entries.get(target.serial)?.byHash.get(target.issuer.hashOid) ?? this.#cachedUnknown(target.issuer, target.serial);
  }

  /**
   * What a request asks about. The same bytes always ask the same thing (clients without nonces send
   * identical requests), so parsing is remembered — for at most `requestCacheEntries` encodings, least recently used
   * dropped first, so a stream of distinct requests cannot grow memory without bound; the status itself is looked up fresh every time.
   */
  #target(request: Uint8Array): Target {
    const key = asBuffer(request).toString('latin1');
    let target = this.#targets.get(key);
    if (target === undefined) {
      target = this.#parseTarget(request);
      this.#targets.set(key, target);
    }
    return target;
  }

  /** How many distinct requests are remembered now (at most `requestCacheEntries`). */
  get cachedRequests(): number {
    return this.#targets.size;
  }

  /** Whether these request bytes are remembered. */
  isCached(request: Uint8Array): boolean {
    return this.#targets.has(asBuffer(request).toString('latin1'));
  }

  #parseTarget(request: Uint8Array): Target {
    const parsed = parseOcspRequest(request);
    if (!parsed.ok || parsed.certIds.length !== 1) return 'malformed';
    const certId = parsed.certIds[0] as RequestedCertId;
    const issuer = this.#issuer.find((h) => h.hashOid === certId.hashOid && h.nameHash === certId.issuerNameHash && h.keyHash === certId.issuerKeyHash);
    return issuer ? { issuer, serial: certId.serial } : 'unauthorized';
  }

  #cachedUnknown(issuer: IssuerHashes, serial: string): Signed | undefined {
    const cached = this.#unknown.get(`${issuer.hashOid}:${serial}`);
    const now = this.#options.clock.now().getTime();
    return cached && now - cached.producedAt < (this.#options.validityMinutes * MINUTE_MS) / 2 ? cached : undefined;
  }

  async #signUnknown(issuer: IssuerHashes, serial: string): Promise<Signed> {
    const key = `${issuer.hashOid}:${serial}`;
    const signed = await this.#sign(issuer, serial, { status: 'unknown' });
    this.#unknown.delete(key);
    this.#unknown.set(key, signed);
    if (this.#unknown.size > UNKNOWN_CACHE_LIMIT) this.#unknown.delete(this.#unknown.keys().next().value as string);
    return signed;
  }

  async #signAll(serial: string, status: OcspCertStatus): Promise<Entry> {
    const signed = await Promise.all(this.#issuer.map((issuer) => this.#sign(issuer, serial, status)));
    return { status, byHash: new Map(this.#issuer.map((issuer, i) => [issuer.hashOid, signed[i] as Signed])) };
  }

  async #sign(issuer: IssuerHashes, serial: string, status: OcspCertStatus): Promise<Signed> {
    const producedAt = this.#options.clock.now().getTime();
    const wanted = producedAt + this.#options.validityMinutes * MINUTE_MS;
    const nextUpdate = Math.min(wanted, this.#options.responder.certificate.notAfter.getTime());
    const der = asBuffer(await this.#encoder.sign({ issuer, serial, status, producedAt, nextUpdate }));
    return { der, producedAt, nextUpdate };
  }
}
