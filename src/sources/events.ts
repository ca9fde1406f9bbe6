import type { AuditDraft } from '../audit/chain.ts';
import type { ErrorDetail } from '../core/errors.ts';
import { MusterError } from '../core/errors.ts';
import type { Store, Tx } from '../store/store.ts';
import { resolveEmployees } from './apply-identities.ts';
import { recordDigest } from './digest.ts';
import { type CheckedEvent, EVENT_TYPES, type SourceEvent, checkEvent, eventTypeMeaning } from './event-check.ts';
import type { FieldDescriptor, SourceFormat } from './fields.ts';
import type { LinkInfo } from './links.ts';
import { RefusalBudget } from '../audit/refusal-budget.ts';
import type { Source, SourceRegistry } from './registry.ts';
import { emptySummary } from './runs.ts';
import { type SingleDeps, type SingleOutcome, applySingle } from './single.ts';
import { supersededFields } from './superseded.ts';
import { validateRow } from './validate.ts';

export type { SourceEvent } from './event-check.ts';

/** What one event did: the events it caused, or that it changed nothing (a duplicate, or every field superseded). */
export interface EventOutcome extends SingleOutcome {
  readonly changed: boolean;
  /** Fields the MUR holds newer values for (an attribute's provenance time, or the status's last move, is after effectiveAt); not applied. */
  readonly superseded: readonly string[];
  readonly message: string;
  /** The identity is under a hold: the status the record asks for waits for the hold's release. */
  readonly held: boolean;
}

type LinkRow = { identity_id: string; digest: string; status: string };

/** Single events from an authoritative source over REST: a joiner, a mover, a leaver… one record at a time. */
export class SourceEventService {
  /** Refused events audited per source and minute; the rest are counted into the next entry. */
  static readonly REFUSALS_AUDITED_PER_MINUTE = 20;

  readonly #store: Store;
  readonly #deps: SingleDeps;
  readonly #registry: SourceRegistry;
  readonly #refusals: RefusalBudget;

  constructor(store: Store, deps: SingleDeps, registry: SourceRegistry) {
    this.#store = store;
    this.#deps = deps;
    this.#registry = registry;
    this.#refusals = new RefusalBudget(SourceEventService.REFUSALS_AUDITED_PER_MINUTE, deps.clock);
  }

  /** Applies one event; a refused one (bad envelope or record, unknown person, not authoritative, illegal move) changes nothing and is audited. */
  async apply(sourceName: string, event: SourceEvent, actor: string, correlationId: string): Promise<EventOutcome> {
    try {
      return await this.#apply(sourceName, event, actor, correlationId);
    } catch (error) {
      if (error instanceof MusterError && error.status < 500) await this.auditRefusal(sourceName, event, error, actor, correlationId);
      throw error;
    }
  }

  async #apply(sourceName: string, event: SourceEvent, actor: string, correlationId: string): Promise<EventOutcome> {
    const source = this.#registry.get(sourceName);
    const checked = checkEvent(source.name, source.format, event, this.#deps.clock.now());
    const refused = Object.keys(checked.raw).filter(
      (name) =>
        !isAuthoritative(
          source.format.fields.find((f) => f.name === name),
          source.authority,
          source.authoritative,
        ),
    );
    if (refused.length > 0) {
      throw new MusterError(
        'MUSTER_ERR_SOURCE_NOT_AUTHORITATIVE',
        `source ${source.name} is not authoritative for ${refused.join(', ')}; nothing was applied`,
        refused.map((field) => ({ field, message: 'not authoritative' })),
      );
    }
    return this.#store.transaction((tx) => this.#applyIn(tx, source, checked, actor, correlationId));
  }

  /** Inside the event's transaction: what the MUR holds for the record, what of the event is still news, and applying that. */
  async #applyIn(tx: Tx, source: Source, checked: CheckedEvent, actor: string, correlationId: string): Promise<EventOutcome> {
    const key = source.format.keyFields.map((k) => checked.raw[k] ?? '').join('|');
    const [link] = await tx.query<LinkRow>(
      'SELECT l.identity_id, l.digest, i.status FROM source_links l JOIN identities i ON i.id = l.identity_id WHERE l.source = $1 AND l.source_key = $2 FOR UPDATE OF i',
      [source.name, key],
    );
    const superseded = link ? await supersededFields(tx, source.name, link.identity_id, source.format, Object.keys(checked.raw), checked.effectiveAt, checked.raw) : [];
    const raw = Object.fromEntries(Object.entries(checked.raw).filter(([name]) => !superseded.includes(name)));
    if (superseded.length > 0 && Object.keys(raw).every((name) => source.format.keyFields.includes(name))) return describe({ summary: emptySummary(), events: [] }, superseded);
    if (!link) await refuseUnknownPerson(tx, source, raw, checked);
    const { record, errors } = validateRow(link ? keysRequiredOnly(source) : source.format, raw, { file: 'request', line: 0 });
    if (!record) throw new MusterError('MUSTER_ERR_VALIDATION', `the ${source.name} event is invalid: ${errors.map((e) => e.message).join('; ')}`, errors.map(stripLine));
    const linkInfo: LinkInfo | undefined = link ? { identityId: link.identity_id, digest: link.digest, status: link.status, seen: true } : undefined;
    const outcome = await applySingle(tx, this.#deps, source, { record, digest: recordDigest(record), link: linkInfo }, actor, correlationId, `${source.name} event`, checked.effectiveAt);
    // a type is checked against what the record does; when its status was superseded, the record no longer says what the type names
    if (outcome.events.length > 0 && !superseded.includes('status') && outcome.summary.onHold === 0) checkType(checked.type, outcome);
    return describe(outcome, superseded);
  }

  /** Audits a refused event (also one refused before it reached this service), within the per-source budget. */
  async auditRefusal(sourceName: string, sent: unknown, error: MusterError, actor: string, correlationId: string): Promise<void> {
    const known = this.#registry.list().some((s) => s.name === sourceName);
    const event = (sent !== null && typeof sent === 'object' ? sent : {}) as Partial<Record<keyof SourceEvent, unknown>>;
    const record = (event.record !== null && typeof event.record === 'object' ? event.record : {}) as Record<string, unknown>;
    const key = record.employee_id ?? record.npe_id ?? null;
    const draft: AuditDraft = {
      actor,
      action: 'source.refused',
      target: `source:${known ? sourceName : '(unknown)'}`,
      reason: error.message.slice(0, 500),
      data: {
        code: error.code,
        fields: error.details
          .slice(0, 20)
          .map((d) => d.field ?? null)
          .filter(Boolean),
        key: key === null ? null : String(key).slice(0, 64),
        type: typeof event.type === 'string' ? event.type.slice(0, 16) : null,
        effective_at: typeof event.effectiveAt === 'string' ? event.effectiveAt.slice(0, 40) : null,
        ...(known ? {} : { source: sourceName.slice(0, 32) }),
      },
    };
    const admitted = this.#refusals.admit(known ? sourceName : '(unknown)', draft);
    if (!admitted) return;
    await this.#store.transaction((tx) => this.#deps.audit.append(tx, [admitted], correlationId)).catch(() => {});
  }
}

/**
 * An event for a record no identity of this source is linked to either creates one (a joiner with
 * the full record) or names the key it could not find.
 */
async function refuseUnknownPerson(tx: Tx, source: Source, raw: Readonly<Record<string, string>>, event: CheckedEvent): Promise<void> {
  if (!source.createsIdentities) return; // fact sources name the unknown employee_id themselves
  const missing = source.format.fields.filter((f) => f.required && raw[f.name] === undefined).map((f) => f.name);
  if (missing.length === 0) return; // a full record: a joiner, or correlated like a snapshot row
  const keyField = source.format.keyFields[0] as string;
  const value = raw[keyField] ?? '';
  const exists = source.format.kind === 'hr' && value !== '' && (await resolveEmployees(tx, [value])).size > 0;
  const said = exists
    ? `the identity with ${keyField} ${value} is not linked to source ${source.name} yet; its first record from ${source.name} must be a full one`
    : `no identity with ${keyField} ${value} is linked to source ${source.name}`;
  const detail: ErrorDetail = { field: `record.${keyField}`, value, message: exists ? 'not linked to this source' : 'no identity with this key' };
  if (event.type !== undefined && event.type !== 'joiner') {
    throw new MusterError(
      exists ? 'MUSTER_ERR_CONFLICT' : 'MUSTER_ERR_NOT_FOUND',
      `${said}; a ${event.type} event needs one (only a joiner with every required field creates an identity); nothing was applied`,
      [detail],
    );
  }
  const needs = missing.map((name) => ({ field: `record.${name}`, message: `${name} is required for a new identity` }));
  throw new MusterError('MUSTER_ERR_VALIDATION', `${said}; a new identity needs every required field, and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing; nothing was applied`, [
    detail,
    ...needs,
  ]);
}

/** For an identity already linked, only the key is required: the fields sent are the ones changed. */
function keysRequiredOnly(source: Source): SourceFormat {
  return { ...source.format, fields: source.format.fields.map((f) => (source.format.keyFields.includes(f.name) ? f : { ...f, required: false })) };
}

function describe(outcome: SingleOutcome, superseded: readonly string[]): EventOutcome {
  const changed = outcome.events.length > 0;
  const late = superseded.length > 0 ? `; not applied, the MUR holds newer values for: ${superseded.join(', ')}` : '';
  const held = outcome.summary.onHold > 0;
  const onHold = held ? '; held: the identity stays suspended until its hold is released' : '';
  const message = (changed ? `applied: ${outcome.events.map((e) => e.type).join(', ')}${late}` : `nothing changed: the MUR already holds this${late}`) + onHold;
  return { ...outcome, changed, superseded, message, held };
}

function isAuthoritative(field: FieldDescriptor | undefined, authority: (name: string) => boolean, grants: readonly string[]): boolean {
  if (!field) return true; // unknown fields were refused, with their name
  if (field.object === 'KEY') return true;
  if (field.object === 'TRUST' || field.object === 'BEHAVE') return grants.includes(field.object);
  return authority(field.name) || grants.includes(field.object);
}

function checkType(type: string | undefined, outcome: SingleOutcome): void {
  if (type === undefined) return;
  const wanted = EVENT_TYPES[type];
  if (!outcome.events.some((e) => e.type === wanted)) {
    const got = outcome.events.map((e) => e.type).join(', ');
    const use = outcome.events.map((e) => eventTypeMeaning(e.type)).find((name) => name !== undefined && name !== type);
    const hint = use ? `; send it as type '${use}'` : '';
    throw new MusterError('MUSTER_ERR_CONFLICT', `the event says '${type}' but the record means: ${got}${hint}; nothing was applied`, [
      { field: 'type', value: type, message: use ? `record means ${got}: use '${use}'` : `record means ${got}` },
    ]);
  }
}

function stripLine(detail: ErrorDetail): ErrorDetail {
  const { line: _line, file: _file, ...rest } = detail;
  return { ...rest, field: rest.field ? `record.${rest.field}` : 'record' };
}
