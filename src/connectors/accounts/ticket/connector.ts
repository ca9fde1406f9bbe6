import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../../core/clock.ts';
import { MusterError } from '../../../core/errors.ts';
import type { AccountFields, AccountSpec, Connector, ConnectorCapabilities, Created, Receipt, RemoteAccount } from '../port.ts';
import { TICKET_DEFAULTS, type TicketOptions, callbackUrl } from './options.ts';
import { type SignedPost, postSigned } from './post.ts';
import type { TicketAccount, TicketOperation, TicketRequest } from './request.ts';

/**
 * A target with no API: each change becomes a signed request to an ITSM endpoint, and a person
 * carries it out. The account id is its key, since nothing can be read back. Delivery is at least
 * once: an operation replayed after a crash sends a new request with a new ticket id (the ITSM
 * deduplicates nothing); the copy muster never recorded is refused when its callback arrives.
 */
export class TicketConnector implements Connector {
  readonly target: string;
  readonly kind = 'ticket';
  readonly capabilities: ConnectorCapabilities = Object.freeze({ list: false, groups: true, delete: true, etags: false, deferred: true });
  readonly #post: SignedPost;
  readonly #callbackBase: string | undefined;
  readonly #clock: Clock;
  readonly #closing = new AbortController();

  constructor(target: string, options: TicketOptions) {
    this.target = target;
    this.#post = {
      target,
      url: options.webhookUrl,
      secret: options.secret,
      timeoutMs: options.timeoutMs ?? TICKET_DEFAULTS.timeoutMs,
      signal: this.#closing.signal,
      ...(options.outbound ? { fetch: options.outbound } : {}),
    };
    this.#callbackBase = options.callbackBase;
    this.#clock = options.clock ?? systemClock;
  }

  /** Nothing can be read from the target; the provisioning worker never asks a deferred one. */
  async findAccount(_key: string): Promise<RemoteAccount | null> {
    return null;
  }

  async createAccount(spec: AccountSpec): Promise<Created> {
    const account = { id: spec.key, correlationId: spec.correlationId, fields: spec.fields, enabled: spec.enabled };
    return { id: spec.key, ...(await this.#request('create', account)) };
  }

  updateAccount(id: string, fields: AccountFields): Promise<Receipt> {
    return this.#request('update', { id, fields });
  }

  /** The account's id is its key: a person renames it, and the new key is its id from then on. */
  async renameAccount(id: string, key: string): Promise<Created> {
    if (id === key) return { id };
    return { id: key, ...(await this.#request('rename', { id, key })) };
  }

  disableAccount(id: string): Promise<Receipt> {
    return this.#request('disable', { id });
  }

  enableAccount(id: string): Promise<Receipt> {
    return this.#request('enable', { id });
  }

  deleteAccount(id: string): Promise<Receipt> {
    return this.#request('delete', { id });
  }

  /** Refused: a ticket queue has nothing to list. */
  // biome-ignore lint/correctness/useYield: the port's listing is a generator; this one refuses before its first page
  async *listAccounts(_pageSize?: number): AsyncIterable<readonly RemoteAccount[]> {
    throw this.#notListable('accounts');
  }

  /** Refused: a ticket queue has nothing to list. */
  async listEntitlements(): Promise<readonly string[]> {
    throw this.#notListable('groups');
  }

  addMember(group: string, id: string): Promise<Receipt> {
    return this.#request('add-member', { id }, group);
  }

  removeMember(group: string, id: string): Promise<Receipt> {
    return this.#request('remove-member', { id }, group);
  }

  /** Aborts requests in flight; later requests fail as unavailable. */
  async close(): Promise<void> {
    this.#closing.abort(new Error('the connector is closed'));
  }

  async #request(operation: TicketOperation, account: TicketAccount, group?: string): Promise<Receipt> {
    const ticket = randomUUID();
    const request: TicketRequest = {
      ticket,
      target: this.target,
      operation,
      account,
      ...(group === undefined ? {} : { group }),
      requestedAt: this.#clock.now().toISOString(),
      callback: callbackUrl(this.#callbackBase, ticket),
    };
    await postSigned(this.#post, request, `${operation} ${account.id}${group === undefined ? '' : ` ${group}`}`);
    return { ticket };
  }

  #notListable(what: string): MusterError {
    return new MusterError('MUSTER_ERR_CONFLICT', `target '${this.target}' is a ticket queue: its ${what} cannot be listed (reconciliation needs a target that can be read)`, [
      { field: 'target', value: this.target, message: 'capabilities.list is false' },
    ]);
  }
}
