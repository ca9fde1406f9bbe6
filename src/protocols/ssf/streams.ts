import { MusterError } from '../../core/errors.ts';
import { SSF_STREAM_UPDATED_EVENT, SSF_VERIFICATION_EVENT } from '../../core/federation/profile.ts';
import { agreementOfClient } from '../../federation/agreements.ts';
import type { Tx } from '../../store/store.ts';
import { refuseUnreachable } from '../rp-outbound.ts';
import { enqueueSet } from './enqueue.ts';
import { setSigningKey } from './keys.ts';
import { type AuthenticatedReceiver, type Receiver, receiverFor } from './receiver.ts';
import { dropUndelivered, holdPending, releaseHeld } from './set-rows.ts';
import { opaque } from './set.ts';
import { createBody, parseBody, receiverConfig, statusBody, streamView, subjectBody, updateBody, verificationBody } from './stream-config.ts';
import {
  PUSH_METHOD,
  type StreamRow,
  type StreamStatus,
  addSubject,
  deleteStream,
  removeSubject,
  insertStream,
  markVerificationRequested,
  streamById,
  streamOfClient,
  updateStreamConfig,
  updateStreamStatus,
} from './stream-rows.ts';
import { type TransmitterDeps, TRANSMITTER_ACTOR, receiverActor } from './transmitter.ts';

export type StreamView = Record<string, unknown>;
export interface StatusView {
  readonly stream_id: string;
  readonly status: StreamStatus;
  readonly reason?: string;
}

function notFound(streamId: string): MusterError {
  return new MusterError('MUSTER_ERR_NOT_FOUND', `no stream ${streamId} for this receiver`, [{ field: 'stream_id', value: streamId, message: 'not found' }]);
}

function tooSoon(seconds: number): MusterError {
  return Object.assign(
    new MusterError('MUSTER_ERR_SSF_STREAM', `verification requested again within min_verification_interval (${seconds} s)`, [{ field: 'stream_id', message: 'too many requests' }]),
    { status: 429 },
  );
}

/**
 * The SSF stream management API (SSF 1.0 §8.1): one stream per receiver, bound to the receiver that authenticated.
 * Every change is audited. A stream muster made itself from the agreement's `signalEndpoint` is taken over by the
 * receiver's own create (same stream id, so nothing queued is lost).
 */
export class StreamManager {
  readonly #d: TransmitterDeps;

  constructor(deps: TransmitterDeps) {
    this.#d = deps;
  }

  async create(caller: AuthenticatedReceiver, body: unknown, correlationId: string): Promise<StreamView> {
    const input = parseBody(createBody, body);
    await this.#refuseUnreachable(caller, input.delivery);
    return this.#write(caller, correlationId, async (tx, receiver, now) => {
      const existing = await streamOfClient(tx, receiver.clientId, true);
      if (existing && !existing.implicit)
        throw new MusterError('MUSTER_ERR_CONFLICT', `receiver ${receiver.clientId} already has stream ${existing.streamId}`, [
          { field: 'stream_id', value: existing.streamId, message: 'one stream per receiver' },
        ]);
      const config = receiverConfig(input);
      const stream = existing ? await updateStreamConfig(tx, existing.streamId, config, now) : await insertStream(tx, receiver.clientId, config, false, now);
      return { stream, action: 'ssf.stream.created', data: { config: publicConfig(config) } };
    });
  }

  async read(caller: AuthenticatedReceiver, streamId: string | undefined): Promise<StreamView | StreamView[]> {
    const receiver = await receiverFor(this.#d.store, caller, 'read');
    const stream = await streamOfClient(this.#d.store, receiver.clientId);
    if (streamId === undefined) return stream ? [this.#view(stream, receiver)] : [];
    if (!stream || stream.streamId !== streamId) throw notFound(streamId);
    return this.#view(stream, receiver);
  }

  /** PATCH (changed fields only) or PUT (every receiver field; absent ones return to their defaults). */
  async update(caller: AuthenticatedReceiver, body: unknown, replace: boolean, correlationId: string): Promise<StreamView> {
    const input = parseBody(updateBody, body);
    await this.#refuseUnreachable(caller, input.delivery);
    return this.#write(caller, correlationId, async (tx, receiver, now) => {
      const stream = await this.#own(tx, receiver, input.stream_id);
      const config = receiverConfig(input, replace ? undefined : stream.config);
      return { stream: await updateStreamConfig(tx, stream.streamId, config, now), action: replace ? 'ssf.stream.replaced' : 'ssf.stream.updated', data: { config: publicConfig(config) } };
    });
  }

  async delete(caller: AuthenticatedReceiver, streamId: string | undefined, correlationId: string): Promise<void> {
    if (!streamId) throw new MusterError('MUSTER_ERR_SSF_STREAM', 'stream_id is required', [{ field: 'stream_id', message: 'required' }]);
    await this.#write(caller, correlationId, async (tx, receiver) => {
      const stream = await this.#own(tx, receiver, streamId);
      await deleteStream(tx, stream.streamId);
      return { stream, action: 'ssf.stream.deleted', data: {} };
    });
  }

  async status(caller: AuthenticatedReceiver, streamId: string | undefined): Promise<StatusView> {
    if (!streamId) throw new MusterError('MUSTER_ERR_SSF_STREAM', 'stream_id is required', [{ field: 'stream_id', message: 'required' }]);
    const receiver = await receiverFor(this.#d.store, caller, 'read');
    return statusOf(await this.#own(this.#d.store, receiver, streamId));
  }

  /** The receiver changes its stream's status: paused holds events, disabled drops them, enabled releases what was held. */
  async setStatus(caller: AuthenticatedReceiver, body: unknown, correlationId: string): Promise<StatusView> {
    const input = parseBody(statusBody, body);
    const updated = await this.#write(caller, correlationId, async (tx, receiver, now) => {
      const stream = await this.#own(tx, receiver, input.stream_id);
      const changed = await applyStatus(tx, stream, input.status, input.reason ?? null, now);
      return { stream: changed.stream, action: 'ssf.stream.status', data: { from: stream.status, to: input.status, reason: input.reason ?? null, ...changed.moved } };
    });
    return { stream_id: String(updated.stream_id), status: input.status, ...(input.reason ? { reason: input.reason } : {}) };
  }

  /** Queues a verification SET (204 to the caller); refused with 429 within min_verification_interval. */
  async verify(caller: AuthenticatedReceiver, body: unknown, correlationId: string): Promise<void> {
    const input = parseBody(verificationBody, body);
    await this.#write(caller, correlationId, async (tx, receiver, now) => {
      const stream = await this.#own(tx, receiver, input.stream_id);
      const interval = this.#d.minVerificationIntervalSeconds;
      if (stream.verificationRequestedAt && now.getTime() - stream.verificationRequestedAt.getTime() < interval * 1000) throw tooSoon(interval);
      await markVerificationRequested(tx, stream.streamId, now);
      const key = await setSigningKey(tx, this.#d.vault, now);
      const payload = input.state === undefined ? {} : { state: input.state };
      const jti = await enqueueSet(tx, { issuer: this.#d.issuer, key, now }, stream, { subject: opaque(stream.streamId), event: SSF_VERIFICATION_EVENT, payload });
      return { stream, action: 'ssf.stream.verification', data: { jti } };
    });
  }

  /** Subjects are all included by default (`default_subjects: ALL`); adding one undoes an earlier removal. */
  async addSubject(caller: AuthenticatedReceiver, body: unknown, correlationId: string): Promise<void> {
    await this.#subject(caller, body, correlationId, 'ssf.subject.added', addSubject);
  }

  /** No events about the subject reach the stream until it is added again. */
  async removeSubject(caller: AuthenticatedReceiver, body: unknown, correlationId: string): Promise<void> {
    await this.#subject(caller, body, correlationId, 'ssf.subject.removed', (tx, streamId, sub, now) => removeSubject(tx, streamId, sub, now));
  }

  async #subject(caller: AuthenticatedReceiver, body: unknown, correlationId: string, action: string, change: (tx: Tx, streamId: string, sub: string, now: Date) => Promise<void>): Promise<void> {
    const input = parseBody(subjectBody, body);
    const sub = subjectSub(input.subject, this.#d.issuer);
    await this.#write(caller, correlationId, async (tx, receiver, now) => {
      const stream = await this.#own(tx, receiver, input.stream_id);
      await change(tx, stream.streamId, sub, now);
      return { stream, action, data: { subject: input.subject } };
    });
  }

  /** A push endpoint at an address the receiver's agreement does not allow is refused now, not at the first push. */
  async #refuseUnreachable(caller: AuthenticatedReceiver, delivery: { method: string; endpoint_url?: string | undefined } | undefined): Promise<void> {
    if (delivery?.method !== PUSH_METHOD || !delivery.endpoint_url) return;
    const rp = (await agreementOfClient(this.#d.store, caller.clientId))?.rp;
    await refuseUnreachable(delivery.endpoint_url, rp, 'delivery.endpoint_url', 'MUSTER_ERR_SSF_STREAM', this.#d.resolver);
  }

  /** The receiver behind `caller` and its stream `streamId`; 404 when it is not the caller's. */
  async own(tx: Tx, caller: AuthenticatedReceiver, streamId: string, needs: 'manage' | 'read'): Promise<{ receiver: Receiver; stream: StreamRow }> {
    const receiver = await receiverFor(tx, caller, needs);
    return { receiver, stream: await this.#own(tx, receiver, streamId) };
  }

  async #own(tx: Tx | TransmitterDeps['store'], receiver: Receiver, streamId: string): Promise<StreamRow> {
    const stream = await streamById(tx, streamId);
    if (!stream || stream.clientId !== receiver.clientId) throw notFound(streamId);
    return stream;
  }

  #view(stream: StreamRow, receiver: Receiver): StreamView {
    const { issuer, endpointBase, minVerificationIntervalSeconds } = this.#d;
    return streamView(stream, { issuer, endpointBase, supported: receiver.supported, minVerificationIntervalSeconds });
  }

  async #write(
    caller: AuthenticatedReceiver,
    correlationId: string,
    step: (tx: Tx, receiver: Receiver, now: Date) => Promise<{ stream: StreamRow; action: string; data: Record<string, unknown> }>,
  ): Promise<StreamView> {
    const now = this.#d.clock.now();
    return this.#d.store.transaction(async (tx) => {
      const receiver = await receiverFor(tx, caller, 'manage');
      const done = await step(tx, receiver, now);
      await this.#d.audit.append(
        tx,
        [
          {
            actor: receiverActor(receiver.clientId),
            action: done.action,
            target: `stream:${done.stream.streamId}`,
            reason: `shared-signals stream of ${receiver.clientId}`,
            data: { client_id: receiver.clientId, ...done.data },
          },
        ],
        correlationId,
      );
      return this.#view(done.stream, receiver);
    });
  }
}

/** The pairwise `sub` of an `iss_sub` subject under muster's issuer; any other subject is refused. */
function subjectSub(subject: Record<string, unknown>, issuer: string): string {
  if (subject.format === 'iss_sub' && subject.iss === issuer && typeof subject.sub === 'string' && subject.sub.length > 0) return subject.sub;
  throw new MusterError('MUSTER_ERR_SSF_STREAM', `subject must be {format: iss_sub, iss: ${issuer}, sub: <the subject identifier muster gave you>}`, [
    { field: 'subject', value: JSON.stringify(subject), message: 'not an iss_sub subject of this issuer' },
  ]);
}

function publicConfig(config: StreamRow['config']): Record<string, unknown> {
  const { authorization_header: secret, ...delivery } = config.delivery;
  return { ...config, delivery: { ...delivery, ...(secret ? { authorization_header: '(set)' } : {}) } };
}

function statusOf(stream: StreamRow): StatusView {
  return { stream_id: stream.streamId, status: stream.status, ...(stream.reason ? { reason: stream.reason } : {}) };
}

async function applyStatus(tx: Tx, stream: StreamRow, status: StreamStatus, reason: string | null, now: Date): Promise<{ stream: StreamRow; moved: Record<string, number> }> {
  const updated = await updateStreamStatus(tx, stream.streamId, status, reason, now);
  if (status === 'enabled') return { stream: updated, moved: { released: await releaseHeld(tx, stream.streamId, now) } };
  if (status === 'paused') return { stream: updated, moved: { held: await holdPending(tx, stream.streamId) } };
  return { stream: updated, moved: { dropped: await dropUndelivered(tx, stream.streamId) } };
}

/**
 * The transmitter changes a stream's status on its own (an operator, or the agreement suspended): a stream-updated
 * SET goes to the receiver first (SSF §8.1.5), then the status changes. Audited.
 */
export async function setStreamStatusAsTransmitter(deps: TransmitterDeps, streamId: string, status: StreamStatus, reason: string, actor: string, correlationId: string): Promise<StatusView> {
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const stream = await streamById(tx, streamId, true);
    if (!stream) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no stream ${streamId}`, [{ field: 'stream_id', value: streamId, message: 'not found' }]);
    if (stream.status === status) throw new MusterError('MUSTER_ERR_CONFLICT', `stream ${streamId} is already ${status}`, [{ field: 'status', value: status, message: 'unchanged' }]);
    const key = await setSigningKey(tx, deps.vault, now);
    const jti = await enqueueSet(tx, { issuer: deps.issuer, key, now }, stream, { subject: opaque(stream.streamId), event: SSF_STREAM_UPDATED_EVENT, payload: { status, reason } });
    const changed = await applyStatus(tx, stream, status, reason, now);
    await deps.audit.append(
      tx,
      [
        {
          actor,
          action: 'ssf.stream.status',
          target: `stream:${streamId}`,
          reason,
          data: { client_id: stream.clientId, from: stream.status, to: status, stream_updated_jti: jti, initiated_by: TRANSMITTER_ACTOR, ...changed.moved },
        },
      ],
      correlationId,
    );
    return statusOf(changed.stream);
  });
}
