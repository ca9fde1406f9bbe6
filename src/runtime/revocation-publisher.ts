import type { Clock } from '../core/clock.ts';
import { revocationSnapshot, statusChangesSince, type StatusChange } from '../credentials/revocation.ts';
import type { CertificateAuthority } from '../pki/ca.ts';
import { latestCrlInfo, lockCrlPublication, publishCrl, type CrlInfo } from '../pki/store/crl-store.ts';
import type { OcspResponder } from '../protocols/ocsp/index.ts';
import { Scheduler } from '../queue/scheduler.ts';
import type { Store } from '../store/store.ts';

const HOUR_MS = 3_600_000;
/**
 * Changes are re-read this far behind the newest seen: a transaction that took its change_seq earlier but committed
 * later (several writers on a PostgreSQL server) is still found. Rows already applied are skipped.
 */
const LOOKBACK = 1000;
const MINUTE_MS = 60_000;

export interface PublisherOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly issuing: CertificateAuthority;
  /** The root: its CRL (the ARL, listing no CA certificate as long as muster revokes none) on the same schedule. Unset or offline: none. */
  readonly root?: CertificateAuthority;
  readonly responder: OcspResponder;
  readonly pollMs: number;
  readonly crlRefreshHours: number;
  readonly crlValidityHours: number;
  readonly ocspValidityMinutes: number;
  /** Told about a failed round (the rounds go on). */
  readonly onError?: (error: unknown) => void;
  /** The process's scheduler, which runs a round every pollMs; without one the publisher keeps a scheduler of its own. */
  readonly scheduler?: Scheduler;
}

/** The periodic task of a publisher: OCSP answers and the CRLs (issuing and root) kept in step with the store. */
export const REVOCATION_PUBLISH_TASK = 'pki.revocation-publish';

/**
 * Keeps the OCSP responder and the CRL in step with the `certificates` table. Every round it reads the certificates
 * whose status changed since the last round (each change takes a new `change_seq`, whichever process made it),
 * pre-signs their OCSP answers, and — when a revocation or reinstatement is among them — publishes a new CRL. A CRL is
 * also published when the last is older than crlRefreshHours, and OCSP answers are re-signed at half their validity.
 */
export class RevocationPublisher {
  readonly #o: PublisherOptions;
  #responder: OcspResponder;
  #seen = 0;
  #lastCrl: CrlInfo | null = null;
  #lastRootCrl: CrlInfo | null = null;
  /** Serials revoked (or on hold) as last seen: a change to or from this set changes the CRL. */
  readonly #revoked = new Set<string>();
  /** Serial → the change_seq whose status the responder holds. */
  readonly #applied = new Map<string, number>();
  #lastRefresh = 0;
  #scheduler: Scheduler | undefined;
  #round: Promise<void> = Promise.resolve();

  constructor(options: PublisherOptions) {
    this.#o = options;
    this.#responder = options.responder;
  }

  /** The responder answers come from (it changes when the responder certificate is renewed). */
  get responder(): OcspResponder {
    return this.#responder;
  }

  /**
   * Moves to a new responder (a renewed responder certificate): every status is pre-signed on it first, then it
   * takes over, so that no answer is ever missing. Runs between rounds.
   */
  replaceResponder(next: OcspResponder): Promise<void> {
    this.#round = this.#round
      .catch(() => {})
      .then(async () => {
        const all = await statusChangesSince(this.#o.store, this.#o.issuing.name, 0);
        for (const change of all) await next.setStatus(change.serial, change.status);
        for (const change of all) this.#applied.set(change.serial, change.changeSeq);
        this.#responder = next;
      });
    return this.#round;
  }

  /** Pre-signs every certificate's status, publishes a CRL if the last is stale or missing, then runs a round every pollMs until stopped. */
  async start(): Promise<void> {
    const all = await statusChangesSince(this.#o.store, this.#o.issuing.name, 0);
    await this.#applyChanges(all);
    this.#seen = all.at(-1)?.changeSeq ?? 0;
    // a revocation made while no publisher ran (e.g. from the command line) gets its CRL now
    await this.#publishIfDue(this.#seen, true);
    await this.#publishRootIfDue();
    this.#scheduler = this.#o.scheduler ?? new Scheduler({ clock: this.#o.clock });
    this.#scheduler.add({ name: REVOCATION_PUBLISH_TASK, everyMs: this.#o.pollMs, runAtStart: true, run: () => this.#scheduledRound() });
  }

  /** Stops the rounds and waits for the one under way. */
  async stop(): Promise<void> {
    const scheduler = this.#scheduler;
    this.#scheduler = undefined;
    if (!scheduler) return;
    if (scheduler === this.#o.scheduler) await scheduler.remove(REVOCATION_PUBLISH_TASK);
    else await scheduler.stop();
  }

  /** One round now (after any round under way): what changed is answered by OCSP and, if revoked, on a new CRL. */
  sync(): Promise<void> {
    this.#round = this.#round.then(
      () => this.#syncOnce(),
      () => this.#syncOnce(),
    );
    return this.#round;
  }

  async #scheduledRound(): Promise<void> {
    try {
      await this.sync();
    } catch (error) {
      this.#o.onError?.(error);
      throw error;
    }
  }

  async #syncOnce(): Promise<void> {
    const changes = await statusChangesSince(this.#o.store, this.#o.issuing.name, Math.max(0, this.#seen - LOOKBACK));
    const listChanged = await this.#applyChanges(changes);
    this.#seen = Math.max(this.#seen, changes.at(-1)?.changeSeq ?? 0);
    await this.#publishIfDue(this.#seen, listChanged);
    await this.#publishRootIfDue();
    await this.#refreshOcspIfDue();
  }

  /** Pre-signs the statuses not applied yet; true when one of them changes what the CRL must list. */
  async #applyChanges(changes: readonly StatusChange[]): Promise<boolean> {
    let listChanged = false;
    for (const change of changes) {
      if ((this.#applied.get(change.serial) ?? -1) >= change.changeSeq) continue;
      await this.#responder.setStatus(change.serial, change.status);
      this.#applied.set(change.serial, change.changeSeq);
      const revoked = change.status.status === 'revoked';
      if (revoked || this.#revoked.has(change.serial)) listChanged = true;
      if (revoked) this.#revoked.add(change.serial);
      else this.#revoked.delete(change.serial);
    }
    return listChanged;
  }

  /** Publishes a CRL when the last is stale, or older than a change to the list. The last one is remembered, not re-read every round. */
  async #publishIfDue(throughChange: number, changed: boolean): Promise<void> {
    this.#lastCrl ??= await latestCrlInfo(this.#o.store, this.#o.issuing.name);
    if (this.#covers(this.#lastCrl, changed ? throughChange : 0)) return;
    this.#lastCrl = await this.#o.store.transaction(async (tx) => {
      await lockCrlPublication(tx);
      const current = await latestCrlInfo(tx, this.#o.issuing.name);
      if (this.#covers(current, throughChange)) return current; // another process published it
      const snapshot = await revocationSnapshot(tx, this.#o.issuing.name);
      return publishCrl(tx, this.#o.issuing, this.#o.clock, { revoked: snapshot.revoked, validityHours: this.#o.crlValidityHours, throughChange: snapshot.throughChange });
    });
  }

  /** Publishes the root's CRL when the last is older than the refresh interval (or there is none). */
  async #publishRootIfDue(): Promise<void> {
    const root = this.#o.root;
    if (!root || root.key.offline) return;
    this.#lastRootCrl ??= await latestCrlInfo(this.#o.store, root.name);
    if (this.#covers(this.#lastRootCrl, 0)) return;
    this.#lastRootCrl = await this.#o.store.transaction(async (tx) => {
      await lockCrlPublication(tx);
      const current = await latestCrlInfo(tx, root.name);
      if (this.#covers(current, 0)) return current;
      return publishCrl(tx, root, this.#o.clock, { revoked: [], validityHours: this.#o.crlValidityHours, throughChange: 0 });
    });
  }

  /** Whether a CRL is younger than the refresh interval and reflects changes up to `throughChange`. */
  #covers(crl: CrlInfo | null, throughChange: number): crl is CrlInfo {
    return crl !== null && this.#o.clock.now().getTime() - crl.thisUpdate.getTime() < this.#o.crlRefreshHours * HOUR_MS && crl.throughChange >= throughChange;
  }

  async #refreshOcspIfDue(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    if (now - this.#lastRefresh < MINUTE_MS) return;
    this.#lastRefresh = now;
    await this.#responder.refreshOlderThan((this.#o.ocspValidityMinutes * MINUTE_MS) / 2);
  }
}
