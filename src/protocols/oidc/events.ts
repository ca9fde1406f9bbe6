import type { EventEmitter } from 'node:events';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { Store } from '../../store/store.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';
import { auditRefusal } from './refusals.ts';
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
  for (const event of ERROR_EVENTS) {
    emitter.on(event, (ctx: KoaContextWithOIDC, error: { error?: string; error_description?: string; message?: string }) => {
      const clientId = ctx?.oidc?.client?.clientId ?? (ctx?.oidc?.params?.client_id as string | undefined);
      const refusal = { clientId, reason: event, error: error?.error ?? 'server_error', description: error?.error_description ?? '' };
      const origin = ctx ? { address: ctx.req?.socket?.remoteAddress, method: ctx.method, path: ctx.path } : undefined;
      queue(ctx, auditRefusal(deps, refusal, `oidc-${event}`, origin), deps);
    });
  }
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => queue(ctx, issued(deps, ctx, 'token'), deps));
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    if (String(ctx.oidc.params?.response_type ?? '').includes('id_token')) queue(ctx, issued(deps, ctx, 'id_token'), deps);
  });
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
