// SCIM /Bulk (RFC 7644 §3.7): calls made at once go out together, each answered on its own.
import type { Json, ScimResponse } from './client.ts';

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** What a service's ServiceProviderConfig says of /Bulk (RFC 7643 §5): the operations and bytes one request may carry. */
export interface BulkLimits {
  readonly maxOperations: number;
  readonly maxPayloadSize: number;
}

/** The /Bulk limits a ServiceProviderConfig advertises, or null when it does not support /Bulk (or names no usable limits). */
export function bulkLimits(config: Json | null): BulkLimits | null {
  const bulk = config?.bulk as { supported?: unknown; maxOperations?: unknown; maxPayloadSize?: unknown } | undefined;
  if (bulk?.supported !== true) return null;
  const maxOperations = Number(bulk.maxOperations);
  const maxPayloadSize = Number(bulk.maxPayloadSize);
  if (!Number.isInteger(maxOperations) || maxOperations < 2 || !Number.isInteger(maxPayloadSize) || maxPayloadSize < 1) return null;
  return { maxOperations, maxPayloadSize };
}

/** One call of a bulk request, with its body as it goes out. */
export interface BulkCall {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** A POST's transient id within its request (RFC 7644 §3.7: required for POST), matched by its answer. */
  readonly bulkId?: string;
}

/** A bulk operation (RFC 7644 §3.7.1); the service's path is relative to its root. */
export function bulkOperation(call: BulkCall): Json {
  return { method: call.method, path: call.path, ...(call.bulkId === undefined ? {} : { bulkId: call.bulkId }), ...(call.body === undefined ? {} : { data: call.body }) };
}

/** The bytes of a bulk request's envelope around its operations (schemas, `Operations`, brackets), with room to spare. */
const ENVELOPE_BYTES = 256;

/** Spread over the requests in flight, a request still carries at least this many calls (when there are). */
const SPREAD_FLOOR = 10;

/**
 * Calls in order, cut into requests of at most `limits.maxOperations` operations and `limits.maxPayloadSize` bytes each, and
 * into about `spread` requests when there are enough calls (so that the requests in flight share them, SPREAD_FLOOR or
 * more each). A call too
 * large for any bulk request is a chunk of its own, marked `alone` (it goes out as a plain request).
 */
export function chunkCalls<T extends BulkCall>(calls: readonly T[], limits: BulkLimits, spread: number): { calls: T[]; alone: boolean }[] {
  const perChunk = Math.min(limits.maxOperations, Math.max(SPREAD_FLOOR, Math.ceil(calls.length / Math.max(1, spread))));
  const chunks: { calls: T[]; alone: boolean }[] = [];
  let current: T[] = [];
  let bytes = ENVELOPE_BYTES;
  const close = () => {
    if (current.length > 0) chunks.push({ calls: current, alone: false });
    current = [];
    bytes = ENVELOPE_BYTES;
  };
  for (const call of calls) {
    const size = Buffer.byteLength(JSON.stringify(bulkOperation(call))) + 1;
    if (size + ENVELOPE_BYTES > limits.maxPayloadSize) {
      chunks.push({ calls: [call], alone: true });
      continue;
    }
    if (current.length >= perChunk || bytes + size > limits.maxPayloadSize) close();
    current.push(call);
    bytes += size;
  }
  close();
  return chunks;
}

/**
 * Each call's own answer out of a BulkResponse, as a plain exchange would have answered it (status, the error or resource
 * as body, the new resource's location for a POST); null for a call the response does not answer. Operations are answered
 * in order (RFC 7644 §3.7.3); a response that leaves some out is matched by each operation's bulkId (a POST) or location.
 */
export function bulkAnswers(calls: readonly BulkCall[], response: Json | null): (ScimResponse | null)[] {
  const answered = Array.isArray(response?.Operations) ? (response.Operations as Json[]) : [];
  const answer = (op: Json | undefined): ScimResponse | null => {
    const status = Number(op?.status);
    if (!op || !Number.isInteger(status)) return null;
    const body = typeof op.response === 'object' && op.response !== null && !Array.isArray(op.response) ? (op.response as Json) : null;
    return { status, body, etag: typeof op.version === 'string' ? op.version : null, location: typeof op.location === 'string' ? op.location : null };
  };
  if (answered.length === calls.length) return calls.map((_, i) => answer(answered[i]));
  const answerOf = (call: BulkCall) =>
    call.bulkId === undefined
      ? answered.find((op) => op.method === call.method && typeof op.location === 'string' && op.location.endsWith(call.path))
      : answered.find((op) => op.bulkId === call.bulkId);
  return calls.map((call) => answer(answerOf(call)));
}
