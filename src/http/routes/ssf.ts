import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { clippedText } from '../../audit/refusal-aggregator.ts';
import { JwksCache, type Resolver } from '../../connectors/outbound/index.ts';
import { MusterError } from '../../core/errors.ts';
import { federationIssuer, federationIssuerPath } from '../../federation/issuer.ts';
import { changeFederatedIdentifier } from '../../protocols/ssf/signals/identifier-change.ts';
import { clientAssertionAuthenticator, clientCredentialsAuthenticator } from '../../protocols/ssf/auth.ts';
import { transmitterJwks } from '../../protocols/ssf/keys.ts';
import { SSF_PATHS, endpointBaseOf, transmitterMetadata } from '../../protocols/ssf/metadata.ts';
import { pollStream } from '../../protocols/ssf/poll.ts';
import type { AuthenticatedReceiver, ReceiverAuthenticator } from '../../protocols/ssf/receiver.ts';
import { StreamManager } from '../../protocols/ssf/streams.ts';
import type { TransmitterDeps } from '../../protocols/ssf/transmitter.ts';
import type { Muster } from '../../runtime/context.ts';
import { signalDeps } from '../../runtime/ssf.ts';
import { clientAddressOf } from '../client-address.ts';
import { type Env, type MusterApp, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { Reason } from './credential-schemas.ts';

/** What the audit log keeps of a refused request's path. */
const PATH_SHOWN = 200;

type C = Context<Env>;

export interface SsfRouteOptions {
  /** More ways receivers authenticate (e.g. the OP's client-credentials tokens), tried in order before bearer assertions signed with the key of the RP's agreement entry. */
  readonly authenticators?: readonly ReceiverAuthenticator[];
  /** How RP host names are resolved before muster connects (`dns.lookup` unless injected). */
  readonly resolver?: Resolver;
}

/** The first authenticator that recognises the header wins. */
export function anyReceiverAuthenticator(authenticators: readonly ReceiverAuthenticator[]): ReceiverAuthenticator {
  return async (header) => {
    for (const authenticate of authenticators) {
      const found = await authenticate(header);
      if (found) return found;
    }
    return undefined;
  };
}

/** The transmitter's issuer: the OP's, one value for the process (see federation/issuer.ts). */
function issuerOf(ctx: Muster, _c: C): string {
  return federationIssuer(ctx.config);
}

function depsOf(ctx: Muster, c: C, resolver: Resolver | undefined): TransmitterDeps {
  const issuer = issuerOf(ctx, c);
  return {
    store: ctx.store,
    clock: ctx.clock,
    audit: ctx.audit,
    vault: ctx.keyVault,
    issuer,
    endpointBase: endpointBaseOf(issuer),
    minVerificationIntervalSeconds: ctx.config.federation.ssf.minVerificationIntervalSeconds,
    ...(resolver ? { resolver } : {}),
  };
}

async function jsonBody(c: C): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new MusterError('MUSTER_ERR_SSF_STREAM', 'the request body is not JSON', [{ field: '(body)', message: 'not JSON' }]);
  }
}

/** The receiver behind the request, or 401 (audited). */
async function authenticated(ctx: Muster, c: C, authenticate: ReceiverAuthenticator): Promise<AuthenticatedReceiver> {
  const found = await authenticate(c.req.header('authorization'));
  if (found) return found;
  const reason = c.req.header('authorization') ? 'bearer credential not accepted' : 'no bearer credential';
  const path = clippedText(c.req.path, PATH_SHOWN);
  const draft = { actor: 'anonymous', action: 'ssf.auth.refused', target: path, reason, data: { method: c.req.method, path } };
  await ctx.refusals.refuse({ source: `address:${clientAddressOf(c) ?? 'in-process'}`, draft, sample: { method: c.req.method, path, reason }, correlationId: correlationIdOf(c) });
  throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `event receiver not authenticated: ${reason}`);
}

function mountDiscovery(app: MusterApp, ctx: Muster): void {
  const metadata = (c: C) => c.json(transmitterMetadata(issuerOf(ctx, c)), 200, { 'cache-control': 'public, max-age=300' });
  app.get(SSF_PATHS.wellKnown, metadata);
  app.get(`${SSF_PATHS.wellKnown}${federationIssuerPath(ctx.config)}`, metadata);
  app.get(SSF_PATHS.jwks, async (c) => c.json(await transmitterJwks(ctx.store, ctx.keyVault, ctx.clock.now()), 200, { 'cache-control': 'public, max-age=300' }));
}

/** Stream-management refusals other than a failed authentication (audited where it happens): unknown or foreign streams, bad settings. */
function auditRefusals(app: MusterApp, ctx: Muster): void {
  app.use('/ssf/*', async (c, next) => {
    await next();
    const error = c.error;
    if (!(error instanceof MusterError) || error.code === 'MUSTER_ERR_UNAUTHENTICATED' || error.status >= 500) return;
    await ctx.store.transaction((tx) =>
      ctx.audit.append(
        tx,
        [
          {
            actor: 'ssf-receiver',
            action: 'ssf.request.refused',
            target: clippedText(c.req.path, PATH_SHOWN),
            reason: error.message,
            data: { method: c.req.method, path: clippedText(c.req.path, PATH_SHOWN), code: error.code, status: error.status },
          },
        ],
        correlationIdOf(c),
      ),
    );
  });
}

function mountStreams(app: MusterApp, ctx: Muster, authenticatorFor: (c: C) => ReceiverAuthenticator, resolver: Resolver | undefined): void {
  auditRefusals(app, ctx);
  const manager = (c: C) => new StreamManager(depsOf(ctx, c, resolver));
  const who = (c: C) => authenticated(ctx, c, authenticatorFor(c));
  app.post(SSF_PATHS.configuration, async (c) => c.json(await manager(c).create(await who(c), await jsonBody(c), correlationIdOf(c)), 201));
  app.get(SSF_PATHS.configuration, async (c) => c.json(await manager(c).read(await who(c), c.req.query('stream_id')), 200));
  app.patch(SSF_PATHS.configuration, async (c) => c.json(await manager(c).update(await who(c), await jsonBody(c), false, correlationIdOf(c)), 200));
  app.put(SSF_PATHS.configuration, async (c) => c.json(await manager(c).update(await who(c), await jsonBody(c), true, correlationIdOf(c)), 200));
  app.delete(SSF_PATHS.configuration, async (c) => {
    await manager(c).delete(await who(c), c.req.query('stream_id'), correlationIdOf(c));
    return c.body(null, 204);
  });
  app.get(SSF_PATHS.status, async (c) => c.json(await manager(c).status(await who(c), c.req.query('stream_id')), 200));
  app.post(SSF_PATHS.status, async (c) => c.json(await manager(c).setStatus(await who(c), await jsonBody(c), correlationIdOf(c)), 200));
  app.post(SSF_PATHS.addSubject, async (c) => {
    await manager(c).addSubject(await who(c), await jsonBody(c), correlationIdOf(c));
    return c.body(null, 200);
  });
  app.post(SSF_PATHS.removeSubject, async (c) => {
    await manager(c).removeSubject(await who(c), await jsonBody(c), correlationIdOf(c));
    return c.body(null, 204);
  });
  app.post(SSF_PATHS.verification, async (c) => {
    await manager(c).verify(await who(c), await jsonBody(c), correlationIdOf(c));
    return c.body(null, 204);
  });
  app.post(SSF_PATHS.poll, async (c) => {
    const caller = await who(c);
    const { stream } = await ctx.store.transaction((tx) => manager(c).own(tx, caller, c.req.param('streamId'), 'manage'));
    return c.json(await pollStream(ctx, stream, await jsonBody(c), correlationIdOf(c)), 200);
  });
}

const IdentifierChangeResult = z
  .object({
    identityId: z.string(),
    changed: z.array(z.object({ clientId: z.string(), oldSub: z.string(), newSub: z.string() })),
    unresolved: z.array(z.string()),
    queued: z.array(z.object({ clientId: z.string(), signal: z.string(), jti: z.string() })),
  })
  .openapi('IdentifierChange');

const identifierChange = apiRoute({
  method: 'post',
  path: '/api/federation/identities/{id}/identifier-change',
  roles: ['federation-admin'],
  tags: ['federation'],
  summary: "Change the identity's federated identifier at every relying party; each RP whose agreement lists it is sent federated-identifier-changed (old → new)",
  request: { params: z.object({ id: Uuid }), body: { content: { 'application/json': { schema: Reason } }, required: true } },
  responses: { 200: jsonResponse(IdentifierChangeResult, 'The new identifiers and the SETs queued'), 404: ERROR_RESPONSES[404] },
});

/**
 * The Shared Signals transmitter: metadata at `/.well-known/ssf-configuration` (also with the issuer's path
 * inserted, RFC 8414 style), its keys, stream management, verification and poll endpoints under `/ssf/`; and the
 * admin federated-identifier change under `/api/federation/`.
 */
export function ssfRoutesWith(options: SsfRouteOptions = {}): RouteModule {
  return (app, ctx) => {
    const jwks = new JwksCache({ clock: ctx.clock });
    const resolver = options.resolver ? { resolver: options.resolver } : {};
    const byAssertion = (c: C) => clientAssertionAuthenticator({ store: ctx.store, clock: ctx.clock, issuer: issuerOf(ctx, c), jwks, ...resolver });
    const authenticatorFor = (c: C) => anyReceiverAuthenticator([...(options.authenticators ?? []), clientCredentialsAuthenticator(ctx), byAssertion(c)]);
    mountDiscovery(app, ctx);
    mountStreams(app, ctx, authenticatorFor, options.resolver);
    app.openapi(identifierChange, async (c) => {
      const issuer = issuerOf(ctx, c as unknown as C);
      const result = await changeFederatedIdentifier(
        signalDeps(ctx, () => issuer),
        c.req.valid('param').id,
        principalOf(c).actor,
        c.req.valid('json').reason,
        correlationIdOf(c),
      );
      return c.json({ identityId: result.identityId, changed: [...result.changed], unresolved: [...result.unresolved], queued: [...result.queued] }, 200);
    });
  };
}

/** The transmitter with receivers authenticated by the OP's client-credentials tokens or by bearer assertions. */
export const ssfRoutes: RouteModule = ssfRoutesWith();

/** The routes the command line acts as (it asks for the roles they name). */
export { identifierChange as identifierChangeRoute };
