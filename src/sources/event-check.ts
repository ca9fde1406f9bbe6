import type { ErrorDetail } from '../core/errors.ts';
import { MusterError } from '../core/errors.ts';
import type { SourceFormat } from './fields.ts';

/** One event from an authoritative source, as sent. */
export interface SourceEvent {
  /** What the sender says this is (joiner, mover, leaver, leave, return, rehire, update); checked against what the record does. */
  readonly type?: string | undefined;
  /** When the change took effect at the source: ISO 8601 with a UTC offset (Z or ±hh:mm). */
  readonly effectiveAt: string;
  readonly record: Readonly<Record<string, string | number | boolean | null>>;
}

/** An event whose shape, time and field names were checked; values are checked against the format later. */
export interface CheckedEvent {
  readonly type: string | undefined;
  readonly effectiveAt: Date;
  readonly raw: Readonly<Record<string, string>>;
}

export const EVENT_TYPES: Readonly<Record<string, string>> = {
  joiner: 'identity.joiner',
  mover: 'identity.mover',
  leaver: 'identity.leaver',
  leave: 'identity.leave',
  return: 'identity.return',
  rehire: 'identity.rehire',
  update: 'identity.updated',
  suspension: 'identity.suspended',
};

/** The event type that means a domain event (`identity.suspended` → `suspension`), for a refusal to name the type to send. */
export function eventTypeMeaning(domainType: string): string | undefined {
  return Object.entries(EVENT_TYPES).find(([, meant]) => meant === domainType)?.[0];
}

/** An event may be dated this far ahead of muster's clock (clock skew); later ones are refused. */
const FUTURE_SKEW_MS = 5 * 60_000;
const EVENT_KEYS = new Set(['type', 'effectiveAt', 'record']);
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Checks an event's envelope: known keys, a known type, an effective time with offset not in the future, and only fields of the source's format. */
export function checkEvent(sourceName: string, format: SourceFormat, event: unknown, now: Date): CheckedEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) refuse('the event must be a JSON object', [{ field: 'event', message: 'must be an object' }]);
  const e = event as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !EVENT_KEYS.has(k));
  if (unknown.length > 0)
    refuse(
      `unknown event field ${unknown.join(', ')}; an event has type, effectiveAt and record`,
      unknown.map((field) => ({ field, message: 'unknown field' })),
    );
  const type = checkType(e.type);
  const effectiveAt = checkEffectiveAt(e.effectiveAt, now);
  const raw = stringValues(e.record);
  const known = new Set(format.fields.map((f) => f.name));
  const strangers = Object.keys(raw).filter((name) => !known.has(name));
  if (strangers.length > 0) {
    refuse(
      `the ${sourceName} event has unknown field${strangers.length > 1 ? 's' : ''} ${strangers.join(', ')}; nothing was applied (known: ${[...known].join(', ')})`,
      strangers.map((name) => ({ field: `record.${name}`, message: `unknown field for a ${format.kind} source` })),
    );
  }
  return { type, effectiveAt, raw };
}

function checkType(type: unknown): string | undefined {
  if (type === undefined) return undefined;
  if (typeof type === 'string' && EVENT_TYPES[type]) return type;
  refuse(`unknown event type '${String(type)}'; known: ${Object.keys(EVENT_TYPES).join(', ')}`, [{ field: 'type', value: String(type), message: 'unknown' }]);
}

function checkEffectiveAt(value: unknown, now: Date): Date {
  if (value === undefined || value === null)
    refuse('effectiveAt is required: when the change took effect, ISO 8601 with its UTC offset (e.g. 2026-03-02T09:00:00-05:00)', [{ field: 'effectiveAt', message: 'is required' }]);
  const text = String(value);
  const at = new Date(text);
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(text) || Number.isNaN(at.getTime())) {
    refuse(`effectiveAt '${text.slice(0, 40)}' is not an ISO 8601 time with its UTC offset (Z or ±hh:mm), e.g. 2026-03-02T09:00:00-05:00`, [
      { field: 'effectiveAt', value: text.slice(0, 80), message: 'must be ISO 8601 with an offset' },
    ]);
  }
  if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    refuse(`effectiveAt ${text} is in the future; send the event when it takes effect`, [{ field: 'effectiveAt', value: text, message: 'is in the future' }]);
  }
  return at;
}

function stringValues(record: unknown): Record<string, string> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) refuse('record must be an object', [{ field: 'record', message: 'must be an object' }]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') refuse(`record.${k} must be a string, number or boolean`, [{ field: `record.${k}`, message: 'must be a string, number or boolean' }]);
    out[k] = String(v);
  }
  return out;
}

function refuse(message: string, details: ErrorDetail[]): never {
  throw new MusterError('MUSTER_ERR_VALIDATION', message, details);
}
