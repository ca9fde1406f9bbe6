// An OP for the attack tests: muster's provider with muster's interaction policy (reauthentication, AAL, agreement
// checks), on a loopback port over the harness's store. Its sign-in page takes the identity set in `next` as verified
// (no card is read) and finishes the sign-in the way the PIV and FIDO2 pages do (finishSignIn: held for the
// interaction, audited, handed to oidc-provider); consent is granted for what was asked.
import { grantWhatWasAsked } from '../../src/protocols/oidc/test-support.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider } from 'oidc-provider';
import type { Aal } from '../../src/core/federation/profile.ts';
import { cookieKeys } from '../../src/protocols/oidc/cookie-keys.ts';
import { createPolicy } from '../../src/protocols/oidc/interactions/policy.ts';
import type { InteractionProvider } from '../../src/protocols/oidc/interactions/provider-shapes.ts';
import { finishSignIn, partyOf } from '../../src/protocols/oidc/interactions/sign-in.ts';
import { currentJwks, maintainSigningKeys } from '../../src/protocols/oidc/keys.ts';
import { oidcListener } from '../../src/protocols/oidc/listener.ts';
import { createProvider } from '../../src/protocols/oidc/provider.ts';
import type { Harness } from '../support/muster.ts';

export interface NextSignIn {
  readonly identityId: string;
  readonly credentialId: string;
  readonly aal?: Aal;
}

export interface AttackOp {
  readonly issuer: string;
  readonly provider: Provider;
  /** Who signs in at the next login prompt. */
  next: NextSignIn | undefined;
  /** How many login prompts were shown. */
  logins: number;
  close(): Promise<void>;
}

async function signIn(op: AttackOp, h: Harness, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const provider = op.provider as unknown as InteractionProvider;
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.prompt.name === 'login') {
    op.logins += 1;
    const who = op.next;
    if (!who) throw new Error('no sign-in set for the login prompt');
    const aal = who.aal ?? 'aal3';
    const login = { identityId: who.identityId, credentialId: who.credentialId, credentialType: 'piv_card' as const, aal, amr: ['sc', 'pin', 'mfa'], certThumbprint: null, authTime: h.clock.now() };
    const location = await finishSignIn(h, provider, req, res, interaction, await partyOf(h.store, interaction), login, { method: 'test' });
    res.writeHead(303, { location }).end();
    return true;
  }
  await grantWhatWasAsked(op.provider, req, res, interaction as never);
  return true;
}

/** Starts the OP on 127.0.0.1 (issuer `http://127.0.0.1:<port>/oidc`). */
export async function startAttackOp(h: Harness): Promise<AttackOp> {
  let op: AttackOp | undefined;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  await maintainSigningKeys(h.store, h.clock, { rotationDays: h.config.federation.oidc.keyRotationDays, maxTokenTtlSeconds: 600 });
  const provider = createProvider({
    store: h.store, clock: h.clock, audit: h.audit, config: h.config, issuer,
    interactions: { policy: createPolicy({ store: h.store, clock: h.clock }), url: (_ctx, interaction) => `/oidc/interaction/${interaction.uid}` },
    jwks: await currentJwks(h.store, h.clock), cookieKeys: await cookieKeys(h.store),
  });
  const listener = oidcListener({ issuer, provider: () => provider, interactions: { handle: (req, res) => signIn(op as AttackOp, h, req, res) } });
  server.on('request', (req, res) => { if (!listener(req, res)) res.writeHead(404).end(); });
  op = { issuer, provider, next: undefined, logins: 0, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
  return op;
}
