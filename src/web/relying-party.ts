import { type AccountServices, type RpClient, type SignInRecord, type TrustAgreements, createRpClient, parseAgreements } from '../rp/index.ts';
import type { Clock } from '../core/clock.ts';
import { CONSOLE_MAX_AUTHENTICATION_AGE_SECONDS } from '../federation/console-client.ts';
import type { ConsoleSetup } from '../runtime/console.ts';

/**
 * The console's side of muster's OP, through `muster/rp`: discovery, `private_key_jwt`, the authorization code flow
 * with PKCE S256, state, nonce, `max_age` and `acr_values` asking AAL3, the ID token's signature, and the SP 800-217
 * checks of the assertion, which refuse one below AAL3. The operators are the MUR's identities, not accounts of an
 * RP: the console keeps no subscriber accounts (its account store holds nothing, and no attribute is asked for).
 */

const NO_ACCOUNTS: AccountServices = {
  accounts: { get: async () => undefined, findByIdentifier: async () => undefined, save: async () => {}, delete: async () => {} },
  sessions: {
    create: async () => {
      throw new Error('the console keeps its sessions itself');
    },
    get: async () => undefined,
    delete: async () => {},
    deleteForAccount: async () => 0,
  },
  notifier: { notify: () => {} },
  log: { record: () => {} },
};

export interface ConsoleRelyingParty {
  readonly client: RpClient;
  /** The sign-in record as the store keeps it, read back. */
  recordOf(stored: unknown): SignInRecord | undefined;
}

const clients = new WeakMap<ConsoleSetup, ConsoleRelyingParty>();

/** The console's RP client for this setup (one per setup: discovery is cached by the client). */
export function consoleRelyingParty(setup: ConsoleSetup, agencyCode: string, clock: Clock): ConsoleRelyingParty {
  const found = clients.get(setup);
  if (found) return found;
  const agreements = consoleAgreements(setup.issuer, setup.clientId, agencyCode);
  const client = createRpClient({
    issuer: setup.issuer,
    clientId: setup.clientId,
    redirectUri: setup.redirectUri,
    privateJwk: setup.privateJwk,
    agreements,
    services: NO_ACCOUNTS,
    scope: 'openid',
    fetch: (url, init) => setup.fetch(url, init as RequestInit),
    allowInsecureHttp: new URL(setup.issuer).protocol === 'http:',
    now: () => clock.now().getTime(),
  });
  const made = { client, recordOf };
  clients.set(setup, made);
  return made;
}

/** The console's side of its built-in agreement, as `muster/rp` reads agreements: muster's OP, the agency's people, AAL3. */
export function consoleAgreements(issuer: string, clientId: string, agencyCode: string): TrustAgreements {
  return parseAgreements([{ id: clientId, issuer, homeAgencies: [`agency_code:${agencyCode}`], minFal: 'fal2', minAal: 'aal3', maxAuthenticationAgeSeconds: CONSOLE_MAX_AUTHENTICATION_AGE_SECONDS }]);
}

function recordOf(stored: unknown): SignInRecord | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const r = stored as Record<string, unknown>;
  const texts = ['issuer', 'state', 'nonce', 'codeVerifier'].every((k) => typeof r[k] === 'string');
  return texts && typeof r.maxAge === 'number' && typeof r.createdAt === 'number' ? (r as unknown as SignInRecord) : undefined;
}
