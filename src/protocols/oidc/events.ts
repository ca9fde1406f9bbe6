import type { EventEmitter } from 'node:events';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Store } from '../../store/store.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';
import { auditRefusal } from './refusals.ts';
import { clientAddressOfRequest } from '../forwarded.ts';
import { auditGroupCommit } from '../../audit/group-commit.ts';

/**
 * The OP's events as audit entries: `oidc.token.issued` for every assertion and token issued, `oidc.refused` for every
 * protocol error answered. Entries are written before the response leaves: the events queue them on the request and a
 * middleware waits for them.
 */

export interface EventDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  /** Refusals with an origin, aggregated per address (see refusals.ts). */
  readonly refusals?: RefusalAggregator;
  /** Failures to audit (the answer still goes out; the failure is reported here). */
  readonly onError?: (error: unknown) => void;
  /** A request oidc-provider answered `server_error` (500): the error with its stack goes to the log, never the response. */
  readonly onServerError?: (error: unknown, request: OidcRequestLine) => void;
}

/** What the log names of an OIDC request that failed. */
export interface OidcRequestLine {
  readonly method: string;
  readonly path: string;
  readonly clientId: string | undefined;
}

/** The protocol error an OIDC request was answered with, kept on the request for the request log. */
export interface OidcAnswerError {
  readonly event: string;
  readonly error: string;
  readonly description: string;
}

const ANSWER_ERROR = Symbol('muster.oidcAnswerError');

/** The protocol error oidc-provider answered the request with, if any (see requestLog's raw listeners). */
export function oidcErrorOf(req: object): OidcAnswerError | undefined {
  return (req as { [ANSWER_ERROR]?: OidcAnswerError })[ANSWER_ERROR];
}

type ProviderError = { error?: string; error_description?: string; error_detail?: string; message?: string; status?: number };

/** The cause an audit entry keeps: the description, oidc-provider's detail, or (server errors) the message. */
function causeOf(error: ProviderError | undefined, server: boolean): string {
  if (server) return `${error?.message ?? 'unknown failure'}`;
  return [error?.error_description, error?.error_detail].filter((part) => part !== undefined && part !== '').join(': ');
}

const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'introspection.error',
  'revocation.error',
  'registration_create.error',
  'registration_read.error',
  'registration_update.error',
  'registration_delete.error',
  'end_session.error',
  'end_session_confirm.error',
  'backchannel.error',
] as const;
const PENDING = Symbol('muster.pendingAudit');

type Pending = { [PENDING]?: Promise<void>[] };

function queue(ctx: KoaContextWithOIDC | undefined, work: Promise<void>, deps: EventDeps): void {
  const guarded = work.catch((error: unknown) => deps.onError?.(error));
  if (!ctx) return;
  const state = ctx.state as Pending;
  (state[PENDING] ??= []).push(guarded);
}

export function auditEvents(provider: Provider, deps: EventDeps): void {
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    await Promise.all((ctx.state as Pending)[PENDING] ?? []);
  });
  // one listener for all the error events: the typed overloads take a single event name, the emitter any
  const emitter: EventEmitter = provider;
  for (const event of ERROR_EVENTS) emitter.on(event, (ctx: KoaContextWithOIDC, error: ProviderError) => refused(deps, event, ctx, error));
  // a 500: oidc-provider answers `server_error` with no detail; the cause and stack go to the log and the audit
  emitter.on('server_error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    deps.onServerError?.(error, { method: ctx?.method ?? '', path: ctx?.path ?? '', clientId: clientOf(ctx) });
    refused(deps, 'server_error', ctx, { error: 'server_error', error_description: causeOf(error, true) });
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => queue(ctx, issued(deps, ctx, 'token'), deps));
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    if (String(ctx.oidc.params?.response_type ?? '').includes('id_token')) queue(ctx, issued(deps, ctx, 'id_token'), deps);
  });
}

function clientOf(ctx: KoaContextWithOIDC | undefined): string | undefined {
  return ctx?.oidc?.client?.clientId ?? (ctx?.oidc?.params?.client_id as string | undefined);
}

/** A protocol error answered: kept on the request for its log line, audited (aggregated per address). */
function refused(deps: EventDeps, event: string, ctx: KoaContextWithOIDC | undefined, error: ProviderError | undefined): void {
  const answer = { event, error: error?.error ?? 'server_error', description: causeOf(error, false) };
  if (ctx?.req) Object.assign(ctx.req, { [ANSWER_ERROR]: answer });
  const refusal = { clientId: clientOf(ctx), reason: event, error: answer.error, description: answer.description };
  const origin = ctx ? { address: clientAddressOfRequest(ctx.req), method: ctx.method, path: ctx.path } : undefined;
  queue(ctx, auditRefusal(deps, refusal, `oidc-${event}`, origin), deps);
}

async function issued(deps: EventDeps, ctx: KoaContextWithOIDC, channel: 'token' | 'id_token'): Promise<void> {
  const entities = ctx.oidc.entities as { Account?: { accountId?: string }; AuthorizationCode?: { accountId?: string } };
  const identityId = entities.Account?.accountId ?? entities.AuthorizationCode?.accountId ?? ctx.oidc.session?.accountId ?? null;
  const clientId = ctx.oidc.client?.clientId ?? null;
  await auditGroupCommit(deps.store, deps.audit).append(
    [
      {
        actor: `oidc-client:${clientId ?? 'unknown'}`,
        action: 'oidc.token.issued',
        target: identityId,
        reason: channel === 'token' ? 'token endpoint' : 'front-channel ID token',
        data: { clientId, identityId, channel },
      },
    ],
    `oidc-${channel}`,
  );
}
