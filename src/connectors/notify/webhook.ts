import { type OutboundFetch, agencyFetch } from '../outbound/index.ts';
import type { Notification, Notifier } from './port.ts';

/**
 * POSTs each notification as JSON to a URL (a ticketing or messaging gateway) through the outbound client of the
 * agency's targets (no redirects, no address outside `outbound.agencyNetworks` that is not public); a non-2xx answer
 * fails the delivery.
 */
export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #fetch: OutboundFetch;

  constructor(url: string, fetch: OutboundFetch = agencyFetch()) {
    this.#url = url;
    this.#fetch = fetch;
  }

  async deliver(message: Notification): Promise<void> {
    const response = await this.#fetch(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.id },
      body: JSON.stringify({ ...message, at: message.at.toISOString() }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`notification webhook ${this.#url} answered ${response.status}`);
  }
}

/** Delivers through every notifier; fails if any fails (each is idempotent, so a retry is safe). */
export class FanOutNotifier implements Notifier {
  readonly name: string;
  readonly #all: readonly Notifier[];

  constructor(all: readonly Notifier[]) {
    this.#all = all;
    this.name = all.map((n) => n.name).join('+');
  }

  async deliver(message: Notification): Promise<void> {
    for (const notifier of this.#all) await notifier.deliver(message);
  }
}
