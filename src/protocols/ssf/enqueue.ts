import type { Queryable } from '../../store/store.ts';
import type { SetSigningKey } from './keys.ts';
import { CONTROL_EVENTS, insertSet } from './set-rows.ts';
import { signSet, type SubjectId } from './set.ts';
import type { StreamRow } from './stream-rows.ts';

export interface EnqueueContext {
  readonly issuer: string;
  readonly key: SetSigningKey;
  readonly now: Date;
}

export interface SetDraft {
  readonly subject: SubjectId;
  readonly event: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly txn?: string;
  readonly identityId?: string;
  /** The domain event that caused the SET. */
  readonly eventId?: number | null;
}

/**
 * Signs a SET for a stream and writes it for delivery: pending on an enabled stream, held on a paused one, not
 * at all on a disabled one (control events go out whatever the status). Returns its jti, or undefined if dropped.
 */
export async function enqueueSet(db: Queryable, ctx: EnqueueContext, stream: StreamRow, draft: SetDraft): Promise<string | undefined> {
  const control = CONTROL_EVENTS.includes(draft.event);
  if (stream.status === 'disabled' && !control) return undefined;
  const state = stream.status === 'paused' && !control ? 'held' : 'pending';
  const { jti, jwt } = await signSet(ctx.key, {
    issuer: ctx.issuer,
    audience: stream.clientId,
    subject: draft.subject,
    event: draft.event,
    payload: draft.payload,
    issuedAt: ctx.now,
    ...(draft.txn ? { txn: draft.txn } : {}),
  });
  await insertSet(
    db,
    { jti, streamId: stream.streamId, clientId: stream.clientId, identityId: draft.identityId ?? null, eventId: draft.eventId ?? null, eventType: draft.event, jwt, txn: draft.txn ?? null, state },
    ctx.now,
  );
  return jti;
}

/** What the stream delivers: what the receiver asked for (everything when it named nothing) within what the agreement lists. */
export function eventsDelivered(stream: Pick<StreamRow, 'config'>, supported: readonly string[]): string[] {
  const requested = stream.config.events_requested;
  return requested === undefined ? [...supported] : supported.filter((e) => requested.includes(e));
}
