import {
  CONSOLE_AGREEMENT_ID,
  CONSOLE_CALLBACK_PATH,
  CONSOLE_CLIENT_ID,
  CONSOLE_SIGNED_OUT_PATH,
  type ConsoleClientKey,
  consoleAgreementDocument,
  consoleClientKey,
} from '../federation/console-client.ts';
import { type OutboundFetch, outboundClient } from '../connectors/outbound/index.ts';
import { isHttpsOrLoopback } from '../core/federation/agreement.ts';
import { ConsoleSessions } from '../operators/console-sessions.ts';
import { agreementService } from './agreements.ts';
import type { Muster } from './context.ts';
import { MusterError } from '../core/errors.ts';
export { CONSOLE_PATH } from '../federation/console-client.ts';

/** The periodic task that deletes finished console sessions and sign-ins never completed (hourly). */
export const CONSOLE_PURGE_TASK = 'console.purge';
const PURGE_MS = 3_600_000;

/** What the web console needs once muster's OP is up: its client at the OP, and the session store. */
export interface ConsoleSetup {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly privateJwk: ConsoleClientKey;
  readonly sessions: ConsoleSessions;
  /** How the console reaches the OP: the outbound client, let reach muster's own issuer wherever it is. */
  readonly fetch: OutboundFetch;
}

/** Why the console cannot run on this issuer, or undefined when it can: its cookies and its client need https (or loopback http). */
export function consoleUnavailable(issuer: string): string | undefined {
  if (isHttpsOrLoopback(issuer)) return undefined;
  return `the console needs muster's issuer on https (or http on loopback); ${issuer} is neither: set federation.oidc.issuer to the public https URL`;
}

/**
 * Registers the console with muster's own OP: its key made once and kept sealed, and the built-in trust agreement
 * saved (by muster) whenever the issuer or the console's address changed. The console is served on the issuer's
 * origin, behind the same listener as the OP.
 */
export async function startConsole(ctx: Muster, issuer: string): Promise<ConsoleSetup> {
  const unavailable = consoleUnavailable(issuer);
  if (unavailable) throw new MusterError('MUSTER_ERR_CONFIG', unavailable, [{ key: 'federation.oidc.issuer', value: issuer, message: 'not https, nor http on loopback' }]);
  const key = await consoleClientKey(ctx.store, ctx.keyVault);
  const origin = new URL(issuer).origin;
  const document = consoleAgreementDocument({ agencyCode: ctx.config.agency.code, issuer, origin, key });
  await agreementService(ctx).saveBuiltIn(CONSOLE_AGREEMENT_ID, document, 'the web console signs operators in through muster');
  const sessions = new ConsoleSessions({ store: ctx.store, audit: ctx.audit, clock: ctx.clock });
  if (!ctx.scheduler.tasks.includes(CONSOLE_PURGE_TASK)) ctx.scheduler.add({ name: CONSOLE_PURGE_TASK, everyMs: PURGE_MS, jitterMs: 60_000, run: async () => void (await sessions.purge()) });
  return {
    issuer,
    clientId: CONSOLE_CLIENT_ID,
    redirectUri: `${origin}${CONSOLE_CALLBACK_PATH}`,
    postLogoutRedirectUri: `${origin}${CONSOLE_SIGNED_OUT_PATH}`,
    privateJwk: key,
    sessions,
    fetch: outboundClient({ policy: { allow: 'any', source: 'federation.oidc.issuer' }, timeoutMs: 10_000 }),
  };
}
