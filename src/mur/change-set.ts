import type { AuditDraft } from '../audit/chain.ts';
import type { AuditWriter } from '../audit/writer.ts';
import { eventType, JOB_PRIORITY, jobPriorityOf } from '../core/events.ts';
import type { IdentityState } from '../core/identity/record.ts';
import type { IdentityStatus } from '../core/identity/status.ts';
import { sql, type Insertable, type SqlBool, type OnConflictBuilder, type OnConflictDoNothingBuilder, type OnConflictUpdateBuilder } from 'kysely';
import type { Database } from '../store/database.ts';
import type { Tx } from '../store/store.ts';
import { IDENTITY_COLUMNS, rowFromState, updateIdentities } from './identity-repository.ts';
import { type Joiner, type StagedJoiners, stageJoiners, writeJoiners } from './joiners-repository.ts';

export interface PendingEvent {
  readonly type: string;
  readonly identityId: string | null;
  readonly payload: Record<string, unknown>;
  /** Audit entry for this event; its data gets the event id. */
  readonly audit: AuditDraft;
  /** Status moves this event stands for, recorded in the status history. */
  readonly moves?: readonly { from: IdentityStatus | null; to: IdentityStatus }[];
  readonly reason?: string;
  readonly source?: string;
  /** When the change took effect at its source, if not when it is committed; the status history keeps it. */
  readonly effectiveAt?: Date | undefined;
}

export interface ScheduledJob {
  readonly kind: string;
  /** Unique among all jobs: the same key twice is refused by the database. */
  readonly key: string;
  readonly payload: Record<string, unknown>;
  readonly runAfter: Date;
}

export interface LinkWrite {
  readonly source: string;
  readonly key: string;
  readonly identityId: string;
  readonly digest: string;
}

type Table = keyof Database & string;
type Column<T extends Table> = keyof Database[T] & string;
/** What to do with a row whose unique key is already taken, as a Kysely ON CONFLICT clause. */
export type OnConflict<T extends Table> = (oc: OnConflictBuilder<Database, T>) => OnConflictDoNothingBuilder<Database, T> | OnConflictUpdateBuilder<Database, T>;

/** Rows of one table the change set writes; `table` and `count` say what, `write` does it in the caller's transaction. */
export interface TableRows {
  readonly table: Table;
  readonly count: number;
  write(tx: Tx): Promise<void>;
}

/** Bound parameters one statement may take (PostgreSQL allows 65 535); rows are inserted in chunks under it. */
const MAX_PARAMETERS = 30_000;

export interface ChangeContext {
  readonly now: Date;
  readonly correlationId: string;
  readonly audit: AuditWriter;
  /** Event ids reserved ahead, so that a commit need not wait for the database to hand them out. */
  readonly eventIds?: IdPool;
  /** The event whose job makes this change (a card terminated because its holder left): each event names it as its cause. */
  readonly causeEventId?: number | null;
  /** New identities (with their link, event, history and jobs) are written set-wise through a staging table (joiners-repository.ts). */
  readonly setWise?: boolean;
}

/** A change set made ready to write (`prepare`): its event ids, and its joiners split off and encoded. */
interface Prepared {
  readonly eventIds: readonly number[];
  readonly taken: ReadonlySet<string>;
  readonly joiners: StagedJoiners;
}

/** Sequence values reserved in blocks: taking ids costs a round trip only when the pool runs dry. */
export class IdPool {
  readonly #sequence: string;
  readonly #block: number;
  #ids: number[] = [];

  constructor(sequence: string, block: number) {
    this.#sequence = sequence;
    this.#block = block;
  }

  async take(tx: Tx, count: number): Promise<number[]> {
    if (this.#ids.length < count) this.#ids.push(...(await allocateIds(tx, this.#sequence, Math.max(count, this.#block))));
    return this.#ids.splice(0, count);
  }
}

/**
 * Everything one step of a MUR change writes, committed together in the caller's transaction:
 * identity rows, source links, status history, domain events, the jobs they cause (the outbox)
 * and their audit entries. Nothing is written until `commit`.
 */
export class ChangeSet {
  readonly created: IdentityState[] = [];
  readonly updated: IdentityState[] = [];
  readonly newLinks: LinkWrite[] = [];
  readonly changedLinks: LinkWrite[] = [];
  readonly removedLinks: { source: string; key: string }[] = [];
  readonly events: PendingEvent[] = [];
  readonly audits: AuditDraft[] = [];
  /** Extra rows (TRUST, BEHAVE, disputes), typed by the schema; added with `insert` or `upsert`. */
  readonly rows: TableRows[] = [];
  /** Jobs not caused by an event of this change set, e.g. a check scheduled for later (`runAfter`). */
  readonly scheduled: ScheduledJob[] = [];
  #prepared: Prepared | undefined;

  /** Inserts typed rows; `onConflict` says what a row whose unique key is taken does (e.g. `(oc) => oc.columns([...]).doNothing()`). */
  insert<T extends Table>(table: T, values: readonly Insertable<Database[T]>[], onConflict?: OnConflict<T>): void {
    if (values.length === 0) return;
    this.rows.push({ table, count: values.length, write: (tx) => insertRows(tx, table, values, onConflict) });
  }

  /** Inserts typed rows; a row whose `key` is taken has every other column it names overwritten. */
  upsert<T extends Table>(table: T, values: readonly Insertable<Database[T]>[], key: readonly Column<T>[]): void {
    const first = values[0];
    if (!first) return;
    const overwritten = Object.keys(first).filter((c) => !key.includes(c as Column<T>));
    const set = Object.fromEntries(overwritten.map((c) => [c, sql.ref(`excluded.${c}`)]));
    this.insert(table, values, (oc) => oc.columns(key).doUpdateSet(set as never));
  }

  get size(): number {
    return this.created.length + this.updated.length + this.events.length + this.audits.length + this.scheduled.length;
  }

  /**
   * Takes the event ids and encodes the set-wise rows ahead of `commit`: what needs no turn of the connection, so a
   * batch can be made ready while the batch before it is still being written. The change set must not change after.
   */
  async prepare(tx: Tx, ctx: Pick<ChangeContext, 'eventIds' | 'setWise'>): Promise<void> {
    this.#prepared ??= await this.#prepareNow(tx, ctx);
  }

  async #prepareNow(tx: Tx, ctx: Pick<ChangeContext, 'eventIds' | 'setWise'>): Promise<Prepared> {
    const eventIds = ctx.eventIds ? await ctx.eventIds.take(tx, this.events.length) : await allocateIds(tx, 'events_id_seq', this.events.length);
    const split = ctx.setWise ? splitJoiners(this, eventIds) : { joiners: [], taken: new Set<string>() };
    return { eventIds, taken: split.taken, joiners: stageJoiners(split.joiners) };
  }

  async commit(tx: Tx, ctx: ChangeContext): Promise<void> {
    const { eventIds, taken, joiners } = this.#prepared ?? (await this.#prepareNow(tx, ctx));
    const rest = (id: string | null) => id === null || !taken.has(id);
    // identities first: the other rows refer to them
    await writeJoiners(tx, joiners, { now: ctx.now, correlationId: ctx.correlationId, causeEventId: ctx.causeEventId ?? null });
    await tx.copyRows(
      'identities',
      IDENTITY_COLUMNS,
      this.created.filter((s) => rest(s.id)).map((s) => rowFromState(s, ctx.now)),
    );
    await updateIdentities(tx, this.updated, ctx.now);
    await this.#writeLinks(tx, ctx.now, rest);
    await this.#writeRows(tx);
    await this.#writeEvents(tx, ctx, eventIds, rest);
    await ctx.audit.append(tx, [...this.events.map((e, i) => withEvent(e.audit, eventIds[i] as number)), ...this.audits], ctx.correlationId);
  }

  async #writeLinks(tx: Tx, now: Date, rest: (id: string) => boolean): Promise<void> {
    await tx.copyRows(
      'source_links',
      ['source', 'source_key', 'identity_id', 'digest', 'observed_at'],
      this.newLinks.filter((l) => rest(l.identityId)).map((l) => [l.source, l.key, l.identityId, l.digest, now]),
    );
    if (this.removedLinks.length > 0) {
      const removed = sql`(SELECT * FROM unnest(${this.removedLinks.map((l) => l.source)}::text[], ${this.removedLinks.map((l) => l.key)}::text[]))`;
      await tx.db.deleteFrom('source_links').where(sql<SqlBool>`(source, source_key) IN ${removed}`).execute();
    }
    if (this.changedLinks.length === 0) return;
    const col = (pick: (l: LinkWrite) => string) => this.changedLinks.map(pick);
    const changed = sql<{
      s: string;
      k: string;
      i: string;
      d: string;
    }>`unnest(${col((l) => l.source)}::text[], ${col((l) => l.key)}::text[], ${col((l) => l.identityId)}::uuid[], ${col((l) => l.digest)}::text[])`;
    await tx.db
      .insertInto('source_links')
      .columns(['source', 'source_key', 'identity_id', 'digest', 'observed_at'])
      .expression((db) => db.selectFrom(changed.as(sql`u(s, k, i, d)`)).select(['u.s', 'u.k', 'u.i', 'u.d', sql<Date>`${now}::timestamptz`.as('at')]))
      .onConflict((oc) =>
        oc.columns(['source', 'source_key']).doUpdateSet((eb) => ({ identity_id: eb.ref('excluded.identity_id'), digest: eb.ref('excluded.digest'), observed_at: eb.ref('excluded.observed_at') })),
      )
      .execute();
  }

  async #writeRows(tx: Tx): Promise<void> {
    for (const block of this.rows) await block.write(tx);
  }

  async #writeEvents(tx: Tx, ctx: ChangeContext, ids: readonly number[], rest: (id: string | null) => boolean): Promise<void> {
    const events: unknown[][] = [];
    const history: unknown[][] = [];
    const jobs: unknown[][] = [];
    this.events.forEach((e, i) => {
      if (!rest(e.identityId)) return;
      const id = ids[i] as number;
      events.push([id, e.type, e.identityId, e.payload, ctx.correlationId, ctx.now, ctx.causeEventId ?? null]);
      for (const move of e.moves ?? []) history.push([e.identityId, move.from, move.to, e.reason ?? e.type, e.source ?? 'muster', id, ctx.now, e.effectiveAt ?? null]);
      const priority = jobPriorityOf(e.type);
      for (const kind of eventType(e.type).jobs) jobs.push([kind, `${kind}:${id}`, { eventId: id, identityId: e.identityId, type: e.type }, 'pending', ctx.now, id, ctx.now, ctx.now, priority]);
    });
    await tx.copyRows('events', ['id', 'type', 'identity_id', 'payload', 'correlation_id', 'occurred_at', 'cause_event_id'], events);
    await tx.copyRows('status_history', ['identity_id', 'from_status', 'to_status', 'reason', 'source', 'event_id', 'at', 'effective_at'], history);
    for (const j of this.scheduled) jobs.push([j.kind, j.key, j.payload, 'pending', j.runAfter, ctx.causeEventId ?? null, ctx.now, ctx.now, JOB_PRIORITY.normal]);
    await tx.copyRows('jobs', ['kind', 'idempotency_key', 'payload', 'status', 'run_after', 'event_id', 'created_at', 'updated_at', 'priority'], jobs);
  }
}

async function insertRows<T extends Table>(tx: Tx, table: T, values: readonly Insertable<Database[T]>[], onConflict: OnConflict<T> | undefined): Promise<void> {
  const perRow = Math.max(1, Object.keys(values[0] ?? {}).length);
  const chunk = Math.max(1, Math.floor(MAX_PARAMETERS / perRow));
  for (let at = 0; at < values.length; at += chunk) {
    const insert = tx.db.insertInto(table).values(values.slice(at, at + chunk) as Insertable<Database[T]>[]);
    await (onConflict ? insert.onConflict(onConflict) : insert).execute();
  }
}

/**
 * The new identities of a change set that can be written set-wise: each with one event (from no status to its own)
 * and one new link. The others (and every update) take the per-row writes.
 */
function splitJoiners(changes: ChangeSet, eventIds: readonly number[]): { joiners: Joiner[]; taken: Set<string> } {
  const created = new Set(changes.created.map((s) => s.id));
  for (const s of changes.updated) created.delete(s.id);
  const events = new Map<string, { event: PendingEvent; id: number }[]>();
  changes.events.forEach((event, i) => {
    if (event.identityId === null || !created.has(event.identityId)) return;
    const list = events.get(event.identityId) ?? [];
    list.push({ event, id: eventIds[i] as number });
    events.set(event.identityId, list);
  });
  const links = new Map<string, LinkWrite[]>();
  for (const link of changes.newLinks) if (created.has(link.identityId)) links.set(link.identityId, [...(links.get(link.identityId) ?? []), link]);
  const joiners: Joiner[] = [];
  for (const identity of changes.created) {
    const joiner = joinerOf(identity, events.get(identity.id), links.get(identity.id));
    if (joiner && created.has(identity.id)) joiners.push(joiner);
  }
  return { joiners, taken: new Set(joiners.map((j) => j.identity.id)) };
}

function joinerOf(identity: IdentityState, events: { event: PendingEvent; id: number }[] | undefined, links: LinkWrite[] | undefined): Joiner | null {
  const [one] = events ?? [];
  const [link] = links ?? [];
  if (!one || events?.length !== 1 || !link || links?.length !== 1) return null;
  const { event, id } = one;
  const [move] = event.moves ?? [];
  if (event.moves?.length !== 1 || !move || move.from !== null || move.to !== identity.status) return null;
  return {
    identity,
    link: { source: link.source, key: link.key, digest: link.digest },
    event: { id, type: event.type, payload: event.payload, reason: event.reason ?? event.type, source: event.source ?? 'muster', effectiveAt: event.effectiveAt ?? null },
  };
}

function withEvent(draft: AuditDraft, eventId: number): AuditDraft {
  return { ...draft, data: { ...(draft.data ?? {}), event_id: eventId } };
}

export async function allocateIds(tx: Tx, sequence: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  // one row holding every id, as one text: a row per id costs more to send than to take, and a bigint array more to parse
  const { rows } = await sql<{ ids: string | null }>`SELECT string_agg(nextval(${sequence})::text, ',') AS ids FROM generate_series(1, ${count})`.execute(tx.db);
  return (rows[0]?.ids ?? '').split(',').map(Number);
}
