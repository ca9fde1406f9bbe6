import { z } from 'zod';
import { MusterError } from '../../core/errors.ts';
import { isHttpsOrLoopback } from '../../core/federation/agreement.ts';
import { eventsDelivered } from './enqueue.ts';
import { POLL_METHOD, PUSH_METHOD, type ReceiverConfig, type StreamRow } from './stream-rows.ts';

const httpsOrLoopback = z.url().refine(isHttpsOrLoopback, { message: 'an https URL (http only on loopback)' });

const delivery = z.discriminatedUnion(
  'method',
  [
    z.looseObject({ method: z.literal(PUSH_METHOD), endpoint_url: httpsOrLoopback, authorization_header: z.string().min(1).max(4096).optional() }),
    z.looseObject({ method: z.literal(POLL_METHOD), endpoint_url: z.string().optional() }),
  ],
  { error: `delivery.method must be ${PUSH_METHOD} (push) or ${POLL_METHOD} (poll)` },
);

/** Receiver-supplied fields; transmitter-supplied ones a receiver echoes back (iss, aud, events_delivered …) are ignored. */
const receiverFields = {
  delivery: delivery.optional(),
  events_requested: z.array(z.url()).max(64).optional(),
  description: z.string().max(1000).optional(),
};
const streamId = z.string().min(1).max(128);

export const createBody = z.looseObject(receiverFields);
export const updateBody = z.looseObject({ stream_id: streamId, ...receiverFields });
export const statusBody = z.looseObject({ stream_id: streamId, status: z.enum(['enabled', 'paused', 'disabled']), reason: z.string().max(1000).optional() });
const subject = z.looseObject({ format: z.string() });
export const subjectBody = z.looseObject({ stream_id: streamId, subject, verified: z.boolean().optional() });
export const verificationBody = z.looseObject({ stream_id: streamId, state: z.string().max(1000).optional() });

/** Parses a request body, naming every bad field in one 400. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  throw new MusterError('MUSTER_ERR_SSF_STREAM', `stream request refused: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

type ReceiverInput = { delivery?: { method: string; endpoint_url?: string; authorization_header?: string } | undefined; events_requested?: string[] | undefined; description?: string | undefined };

/** The receiver's fields as stored; no delivery means poll (SSF §8.1.1.1). */
export function receiverConfig(input: ReceiverInput, base?: ReceiverConfig): ReceiverConfig {
  const d = input.delivery ?? base?.delivery ?? { method: POLL_METHOD };
  const stored =
    d.method === PUSH_METHOD ? { method: PUSH_METHOD, endpoint_url: d.endpoint_url, ...(d.authorization_header ? { authorization_header: d.authorization_header } : {}) } : { method: POLL_METHOD };
  const events = input.events_requested ?? base?.events_requested;
  const description = input.description ?? base?.description;
  return { delivery: stored as ReceiverConfig['delivery'], ...(events ? { events_requested: events } : {}), ...(description !== undefined ? { description } : {}) };
}

export interface StreamViewContext {
  readonly issuer: string;
  /** Where the transmitter's poll endpoints live: `<base>/ssf/poll/<stream_id>`. */
  readonly endpointBase: string;
  readonly supported: readonly string[];
  readonly minVerificationIntervalSeconds: number;
}

export function pollEndpoint(endpointBase: string, streamId: string): string {
  return `${endpointBase}/ssf/poll/${encodeURIComponent(streamId)}`;
}

/** The stream configuration as SSF shows it (the push authorization header is never echoed). */
export function streamView(stream: StreamRow, ctx: StreamViewContext): Record<string, unknown> {
  const d = stream.config.delivery;
  const endpoint = d.method === POLL_METHOD ? pollEndpoint(ctx.endpointBase, stream.streamId) : d.endpoint_url;
  return {
    stream_id: stream.streamId,
    iss: ctx.issuer,
    aud: stream.clientId,
    delivery: { method: d.method, endpoint_url: endpoint },
    events_supported: ctx.supported,
    ...(stream.config.events_requested ? { events_requested: stream.config.events_requested } : {}),
    events_delivered: eventsDelivered(stream, ctx.supported),
    ...(stream.config.description !== undefined ? { description: stream.config.description } : {}),
    min_verification_interval: ctx.minVerificationIntervalSeconds,
  };
}
