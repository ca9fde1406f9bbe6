import type { ErrorDetail } from '../core/errors.ts';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { recordDigest } from './digest.ts';
import type { FieldDescriptor } from './fields.ts';
import type { LinkInfo } from './links.ts';
import type { SourceRegistry } from './registry.ts';
import { type SingleDeps, type SingleOutcome, applySingle } from './single.ts';
import { validateRow } from './validate.ts';

export interface SourceEvent {
  /** What the sender says this is (joiner, mover, leaver, leave, return, rehire); checked against what the record does. */
  readonly type?: string | undefined;
  readonly record: Readonly<Record<string, string | number | boolean | null>>;
}

/** Single events from an authoritative source over REST: a joiner, a mover, a leaver… one record at a time. */
export class SourceEventService {
  readonly #store: Store;
  readonly #deps: SingleDeps;
  readonly #registry: SourceRegistry;

  constructor(store: Store, deps: SingleDeps, registry: SourceRegistry) {
    this.#store = store;
    this.#deps = deps;
    this.#registry = registry;
  }

  async apply(sourceName: string, event: SourceEvent, actor: string, correlationId: string): Promise<SingleOutcome> {
    const source = this.#registry.get(sourceName);
    const raw = stringValues(event.record);
    const refused = Object.keys(raw).filter((name) => !isAuthoritative(source.format.fields.find((f) => f.name === name), source.authority, source.authoritative));
    if (refused.length > 0) return this.#refuse(sourceName, refused, actor, correlationId, raw);
    return this.#store.transaction(async (tx) => {
      const key = source.format.keyFields.map((k) => raw[k] ?? '').join('|');
      const [link] = await tx.query<{ identity_id: string; digest: string; status: string }>(
        'SELECT l.identity_id, l.digest, i.status FROM source_links l JOIN identities i ON i.id = l.identity_id WHERE l.source = $1 AND l.source_key = $2 FOR UPDATE OF i',
        [source.name, key],
      );
      const format = link ? { ...source.format, fields: source.format.fields.map((f) => (source.format.keyFields.includes(f.name) ? f : { ...f, required: false })) } : source.format;
      const { record, errors } = validateRow(format, raw, { file: 'request', line: 0 });
      if (!record) throw new MusterError('MUSTER_ERR_VALIDATION', `the ${source.name} event is invalid: ${errors.map((e) => e.message).join('; ')}`, errors.map(stripLine));
      const linkInfo: LinkInfo | undefined = link ? { identityId: link.identity_id, digest: link.digest, status: link.status, seen: true } : undefined;
      const outcome = await applySingle(tx, this.#deps, source, { record, digest: recordDigest(record), link: linkInfo }, actor, correlationId, `${source.name} event`);
      checkType(event.type, outcome);
      return outcome;
    });
  }

  async #refuse(source: string, fields: string[], actor: string, correlationId: string, raw: Record<string, string>): Promise<never> {
    await this.#store.transaction((tx) =>
      this.#deps.audit.append(tx, [{ actor, action: 'source.refused', target: `source:${source}`, reason: `not authoritative for ${fields.join(', ')}`, data: { fields, key: raw.employee_id ?? raw.npe_id ?? null } }], correlationId),
    );
    throw new MusterError('MUSTER_ERR_SOURCE_NOT_AUTHORITATIVE', `source ${source} is not authoritative for ${fields.join(', ')}; nothing was applied`, fields.map((field) => ({ field, message: 'not authoritative' })));
  }
}

function isAuthoritative(field: FieldDescriptor | undefined, authority: (name: string) => boolean, grants: readonly string[]): boolean {
  if (!field) return true; // unknown fields are refused by validation, with their name
  if (field.object === 'KEY') return true;
  if (field.object === 'TRUST' || field.object === 'BEHAVE') return grants.includes(field.object);
  return authority(field.name) || grants.includes(field.object);
}

function stringValues(record: SourceEvent['record']): Record<string, string> {
  if (record === null || typeof record !== 'object') throw new MusterError('MUSTER_ERR_VALIDATION', 'record must be an object', [{ field: 'record', message: 'must be an object' }]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

const TYPE_EVENTS: Readonly<Record<string, string>> = {
  joiner: 'identity.joiner', mover: 'identity.mover', leaver: 'identity.leaver', leave: 'identity.leave', return: 'identity.return', rehire: 'identity.rehire', update: 'identity.updated',
};

function checkType(type: string | undefined, outcome: SingleOutcome): void {
  if (type === undefined) return;
  const wanted = TYPE_EVENTS[type];
  if (!wanted) throw new MusterError('MUSTER_ERR_VALIDATION', `unknown event type '${type}'; known: ${Object.keys(TYPE_EVENTS).join(', ')}`, [{ field: 'type', value: type, message: 'unknown' }]);
  if (!outcome.events.some((e) => e.type === wanted)) {
    const got = outcome.events.map((e) => e.type).join(', ') || 'no change';
    throw new MusterError('MUSTER_ERR_CONFLICT', `the event says '${type}' but the record means: ${got}; nothing was applied`, [{ field: 'type', value: type, message: `record means ${got}` }]);
  }
}

function stripLine(detail: ErrorDetail): ErrorDetail {
  const { line: _line, file: _file, ...rest } = detail;
  return { ...rest, field: rest.field ? `record.${rest.field}` : 'record' };
}
