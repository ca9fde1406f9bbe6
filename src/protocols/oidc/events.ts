import type { EventEmitter } from 'node:events';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Store } from '../../store/store.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';
import { auditRefusal } from './refusals.ts';
import { clientAddressOfRequest } from '../forwarded.ts';
import { auditGroupCommit } from '../../audit/group-commit.ts';
import type { AuditDraft } from '../../audit/chain.ts';
import { HeldWrites, holdingWritesIn } from './held-writes.ts';
import { heldAlongside, writeHeld, writeTogether } from './payload-repository.ts';

/**
 * The OP's events as audit entries: `oidc.token.issued` for every assertion and token issued, `oidc.refused` for every
 * protocol error answered. Entries are written before the response leaves: the events queue them on the request and a
 * middleware waits for them. The same middleware holds the request's writes of oidc-provider's models (held-writes.ts)
 * and sends them once the answer is ready, in the statement that appends its `oidc.token.issued` entry when it has
 * one: a token exists exactly when the log shows it issued (if that append fails, the writes still go alone, as the
 * answer still goes out).
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
const ISSUED = Symbol('muster.issuedAudit');

type Pending = { [PENDING]?: Promise<void>[]; [ISSUED]?: { drafts: AuditDraft[]; correlationId: string } };

function queue(ctx: KoaContextWithOIDC | undefined, work: Promise<void>, deps: EventDeps): void {
  const guarded = work.catch((error: unknown) => deps.onError?.(error));
  if (!ctx) return;
  const state = ctx.state as Pending;
  (state[PENDING] ??= []).push(guarded);
}

export function auditEvents(provider: Provider, deps: EventDeps): void {
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const held = new HeldWrites();
    try {
      await holdingWritesIn(held, next);
    } finally {
      await Promise.all((ctx.state as Pending)[PENDING] ?? []);
      await commitHeld(deps, ctx.state as Pending, held);
    }
  });
  // one listener for all the error events: the typed overloads take a single event name, the emitter any
  const emitter: EventEmitter = provider;
  for (const event of ERROR_EVENTS) emitter.on(event, (ctx: KoaContextWithOIDC, error: ProviderError) => refused(deps, event, ctx, error));
  // a 500: oidc-provider answers `server_error` with no detail; the cause and stack go to the log and the audit
  emitter.on('server_error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
    deps.onServerError?.(error, { method: ctx?.method ?? '', path: ctx?.path ?? '', clientId: clientOf(ctx) });
    refused(deps, 'server_error', ctx, { error: 'server_error', error_description: causeOf(error, true) });
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => issued(ctx, 'token'));
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    if (String(ctx.oidc.params?.response_type ?? '').includes('id_token')) issued(ctx, 'id_token');
  });
}

/** Sends the request's held writes, with its `oidc.token.issued` entry when it has one. */
async function commitHeld(deps: EventDeps, state: Pending, held: HeldWrites): Promise<void> {
  const issuedEntry = state[ISSUED];
  if (!issuedEntry) return writeHeld(deps.store, held);
  const writes = heldAlongside(held);
  try {
    await auditGroupCommit(deps.store, deps.audit).append(issuedEntry.drafts, issuedEntry.correlationId, writes);
  } catch (error) {
    deps.onError?.(error);
    await writeTogether(deps.store, writes);
  }
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

/** Queues the `oidc.token.issued` entry of an assertion or token issued, for the middleware to append with the request's writes. */
function issued(ctx: KoaContextWithOIDC, channel: 'token' | 'id_token'): void {
  const entities = ctx.oidc.entities as { Account?: { accountId?: string }; AuthorizationCode?: { accountId?: string } };
  const identityId = entities.Account?.accountId ?? entities.AuthorizationCode?.accountId ?? ctx.oidc.session?.accountId ?? null;
  const clientId = ctx.oidc.client?.clientId ?? null;
  const state = ctx.state as Pending;
  state[ISSUED] ??= { drafts: [], correlationId: `oidc-${channel}` };
  state[ISSUED].drafts.push({
    actor: `oidc-client:${clientId ?? 'unknown'}`,
    action: 'oidc.token.issued',
    target: identityId,
    reason: channel === 'token' ? 'token endpoint' : 'front-channel ID token',
    data: { clientId, identityId, channel },
  });
}
