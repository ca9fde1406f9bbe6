import { readFile } from 'node:fs/promises';
import { ScimClient } from '../../connectors/accounts/scim/client.ts';
import type { ScimOptions } from '../../connectors/accounts/scim/options.ts';
import { failureError } from '../../connectors/accounts/scim/failures.ts';
import { filterString, patch } from '../../connectors/accounts/scim/mapping.ts';
import { MusterError } from '../../core/errors.ts';
import type { AgreementRelyingParty } from '../../core/federation/agreement.ts';
import { hasExtension, withoutExtension, type Json } from './scim-user.ts';

export type RpScim = NonNullable<AgreementRelyingParty['scim']>;

/** The client muster reaches an RP's SCIM service with. */
export type RpOutbound = NonNullable<ScimOptions['outbound']>;
/** What a create or replace sent: the resource (with or without muster's extension) and the RP's id for it. */
export interface Sent {
  readonly id: string;
  readonly resource: Json;
  readonly extension: 'sent' | 'refused';
}

function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}

async function bearerToken(clientId: string, scim: RpScim): Promise<string> {
  const field = `relyingParties[${clientId}].scim.bearerTokenFile`;
  if (scim.bearerTokenFile === undefined)
    throw new MusterError('MUSTER_ERR_AGREEMENT', `relying party '${clientId}' has no bearerTokenFile: its SCIM service is called only with a token`, [{ field, message: 'required to provision' }]);
  const token = (
    await readFile(scim.bearerTokenFile, 'utf8').catch((cause: unknown) => {
      throw new MusterError(
        'MUSTER_ERR_AGREEMENT',
        `relying party '${clientId}': the bearer token file ${scim.bearerTokenFile} cannot be read`,
        [{ field, value: scim.bearerTokenFile, message: (cause as Error).message }],
        { cause },
      );
    })
  ).trim();
  if (!token)
    throw new MusterError('MUSTER_ERR_AGREEMENT', `relying party '${clientId}': the bearer token file ${scim.bearerTokenFile} is empty`, [{ field, value: scim.bearerTokenFile, message: 'empty' }]);
  return token;
}

/**
 * A relying party's SCIM 2.0 service, over the SCIM connector's client (bearer token, timeout, errors as
 * MUSTER_ERR_TARGET_UNAVAILABLE / _REFUSED / _CONFLICT). Every call tolerates a replay of itself: a create that
 * finds the account already there takes it over, and an update or delete of an account the RP no longer has
 * answers `gone`.
 */
export class RpScimService {
  readonly target: string;
  readonly #client: ScimClient;
  /** The service refused muster's extension once: later resources go without it. */
  #refusesExtension = false;

  private constructor(clientId: string, client: ScimClient) {
    this.target = `rp:${clientId}`;
    this.#client = client;
  }

  /** `outbound` reaches the RP's SCIM service (the RP's address policy); the agency's default ranges without it. */
  static async open(clientId: string, scim: RpScim, timeoutMs: number, outbound?: RpOutbound): Promise<RpScimService> {
    const token = await bearerToken(clientId, scim);
    return new RpScimService(clientId, new ScimClient(`rp:${clientId}`, { baseUrl: scim.baseUrl, auth: { type: 'bearer', token }, timeoutMs, concurrency: 4, ...(outbound ? { outbound } : {}) }));
  }

  get refusesExtension(): boolean {
    return this.#refusesExtension;
  }

  /** POSTs the account; one the RP already holds under the same externalId is replaced instead. */
  async create(resource: Json): Promise<Sent> {
    const answer = await this.#write('POST', '/Users', resource, [409]);
    if (answer.status !== 409) return this.#sent(answer, resource, 'POST /Users');
    const existing = await this.#findByExternalId(String(resource.externalId));
    if (existing === null) throw failureError(this.target, 'POST /Users', { status: 409, retryAfter: null, body: answer.body });
    const replaced = await this.replace(existing, resource);
    if (replaced === 'gone')
      throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `${this.target}: account ${existing} vanished while it was taken over`, [
        { field: 'id', value: existing, message: 'deleted concurrently' },
      ]);
    return replaced;
  }

  /** PUTs the whole account: attributes no longer agreed disappear from it. */
  async replace(id: string, resource: Json): Promise<Sent | 'gone'> {
    const answer = await this.#write('PUT', userPath(id), resource, [404]);
    if (answer.status === 404) return 'gone';
    return this.#sent({ ...answer, body: { id, ...answer.body } }, answer.resource, `PUT ${userPath(id)}`);
  }

  async setActive(id: string, active: boolean): Promise<'done' | 'gone'> {
    const { status } = await this.#client.request('PATCH', userPath(id), { body: patch([{ op: 'replace', path: 'active', value: active }]), accept: [404] });
    return status === 404 ? 'gone' : 'done';
  }

  async remove(id: string): Promise<void> {
    await this.#client.request('DELETE', userPath(id), { accept: [404] });
  }

  close(): void {
    this.#client.close();
  }

  /** Sends the resource; a 400 to a resource carrying muster's extension is taken as a refusal of it, and it goes again without. */
  async #write(method: string, path: string, resource: Json, accept: number[]): Promise<{ status: number; body: Json | null; resource: Json; extension: Sent['extension'] }> {
    const first = this.#refusesExtension ? withoutExtension(resource) : resource;
    const tryExtension = hasExtension(first);
    const answer = await this.#client.request(method, path, { body: first, accept: tryExtension ? [...accept, 400] : accept });
    if (answer.status !== 400) return { ...answer, resource: first, extension: tryExtension ? 'sent' : 'refused' };
    const plain = withoutExtension(first);
    const again = await this.#client.request(method, path, { body: plain, accept });
    this.#refusesExtension = true;
    return { ...again, resource: plain, extension: 'refused' };
  }

  #sent(answer: { body: Json | null; resource: Json; extension: Sent['extension'] }, resource: Json, request: string): Sent {
    const id = answer.body?.id;
    if (typeof id !== 'string' || !id)
      throw new MusterError('MUSTER_ERR_TARGET_REFUSED', `${this.target}: ${request} answered without the account's id`, [
        { field: 'externalId', value: String(resource.externalId), message: 'no id in the answer' },
      ]);
    return { id, resource: answer.resource, extension: answer.extension };
  }

  async #findByExternalId(externalId: string): Promise<string | null> {
    const { body } = await this.#client.request('GET', '/Users', { query: { filter: `externalId eq ${filterString(externalId)}` } });
    const found = Array.isArray(body?.Resources) ? (body.Resources as Json[]).find((u) => u.externalId === externalId) : undefined;
    return typeof found?.id === 'string' ? found.id : null;
  }
}
