import type { KeyVault } from '../../../core/key-vault.ts';
import type { ReleasableAttribute } from '../../../core/federation/profile.ts';
import type { SignalName } from '../../../core/federation/profile.ts';
import { SIGNAL_EVENTS } from '../../../core/federation/profile.ts';
import type { AgreementRelyingParty } from '../../../core/federation/agreement.ts';
import { type EnqueueContext, enqueueSet, eventsDelivered } from '../enqueue.ts';
import { setSigningKey } from '../keys.ts';
import { agreementEvents } from '../receiver.ts';
import { issSub, type SubjectId } from '../set.ts';
import { POLL_METHOD, PUSH_METHOD, type StreamRow, insertStream, streamOfClient, subjectRemoved } from '../stream-rows.ts';
import type { Tx } from '../../../store/store.ts';
import { agreementOfClient } from '../../../federation/agreements.ts';
import { type RpSubject, rpSubjectsOf } from '../../../federation/rp-subjects.ts';

/** One signal about an identity, before it is addressed to each relying party. */
export interface SignalDraft {
  readonly signal: SignalName;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The subject, when not the RP's own `iss_sub` for the identity (e.g. the old identifier). */
  readonly subject?: (rp: RpSubject, issuer: string) => SubjectId;
  /** The payload, when it differs per RP (e.g. the new identifier). */
  readonly payloadFor?: (rp: RpSubject, issuer: string) => Readonly<Record<string, unknown>>;
  /** Only to RPs whose agreement releases this attribute (a signal that names it). */
  readonly releases?: ReleasableAttribute;
  /** The domain event the signal tells of. */
  readonly eventId?: number;
  /** Only to this relying party (the one whose access to the identity changed). */
  readonly clientId?: string;
}

export interface QueueContext {
  readonly issuer: string;
  /** Opens the sealed SET signing key. */
  readonly vault: KeyVault;
  readonly now: Date;
  /** The root cause: the domain event id, shared by every SET it causes. */
  readonly txn: string;
}

export interface QueuedSet {
  readonly clientId: string;
  readonly signal: SignalName;
  readonly jti: string;
}

/**
 * Addresses signals about an identity to the relying parties that know it (signed in or pre-provisioned) and whose
 * active agreement lists the signal, as SETs under each RP's own subject identifier, written in the caller's
 * transaction. An RP with no stream gets one made from its agreement entry: push to its `signalEndpoint`, or poll.
 * `rps` narrows (or replaces) the RPs that know the identity.
 */
export async function queueSignals(tx: Tx, ctx: QueueContext, identityId: string, drafts: readonly SignalDraft[], rps?: readonly RpSubject[]): Promise<QueuedSet[]> {
  if (drafts.length === 0) return [];
  const queued: QueuedSet[] = [];
  let enqueue: EnqueueContext | undefined;
  for (const rp of rps ?? (await rpSubjectsOf(tx, identityId))) {
    const client = await agreementOfClient(tx, rp.clientId);
    if (!client) continue;
    const stream = await streamFor(tx, rp.clientId, client.rp, ctx.now);
    const delivered = eventsDelivered(stream, agreementEvents(client.agreement));
    if (await subjectRemoved(tx, stream.streamId, rp.sub)) continue;
    for (const draft of drafts) {
      const event = SIGNAL_EVENTS[draft.signal];
      if (!delivered.includes(event)) continue;
      if (draft.clientId !== undefined && draft.clientId !== rp.clientId) continue;
      if (draft.releases && !client.agreement.document.attributes.some((a) => a.name === draft.releases)) continue;
      enqueue ??= { issuer: ctx.issuer, now: ctx.now, key: await setSigningKey(tx, ctx.vault, ctx.now) };
      const subject = draft.subject?.(rp, ctx.issuer) ?? issSub(ctx.issuer, rp.sub);
      const payload = draft.payloadFor?.(rp, ctx.issuer) ?? draft.payload;
      const jti = await enqueueSet(tx, enqueue, stream, { subject, event, payload, txn: ctx.txn, identityId, eventId: draft.eventId ?? null });
      if (jti) queued.push({ clientId: rp.clientId, signal: draft.signal, jti });
    }
  }
  return queued;
}

async function streamFor(tx: Tx, clientId: string, rp: AgreementRelyingParty | undefined, at: Date): Promise<StreamRow> {
  const existing = await streamOfClient(tx, clientId);
  if (existing) return existing;
  const delivery = rp?.signalEndpoint ? ({ method: PUSH_METHOD, endpoint_url: rp.signalEndpoint } as const) : ({ method: POLL_METHOD } as const);
  return insertStream(tx, clientId, { delivery }, true, at);
}
