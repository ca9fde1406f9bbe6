import { sql } from 'kysely';
import { eventType, jobPriorityOf } from '../core/events.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { type CopyText, encodeCopy } from '../store/copy-text.ts';
import type { Tx } from '../store/store.ts';
import { encodeAttributesText } from './attribute-codec.ts';
import { skeletonsOf } from './skeleton.ts';

/**
 * New identities written set-wise: one COPY of one compact row per joiner into a temporary staging table, then
 * INSERT … SELECT into identities, source links, events, status history and the jobs the events cause. The rows are
 * the ones the per-row writes of a change set make for the same joiners (same ids, columns, payloads and jobs).
 */
export interface Joiner {
  readonly identity: IdentityState;
  readonly link: { readonly source: string; readonly key: string; readonly digest: string };
  readonly event: {
    readonly id: number;
    readonly type: string;
    readonly payload: Record<string, unknown>;
    readonly reason: string;
    readonly source: string;
    readonly effectiveAt: Date | null;
  };
}

export interface JoinerContext {
  readonly now: Date;
  readonly correlationId: string;
  readonly causeEventId: number | null;
}

const STAGING = 'muster_joiners';

const STAGING_COLUMNS = [
  'id',
  'kind',
  'status',
  'attributes',
  'provenance',
  'sponsor_id',
  'expires_at',
  'flags',
  'last_updated',
  'created_at',
  'version',
  'name_skeleton',
  'email_skeleton',
  'link_source',
  'link_key',
  'digest',
  'event_id',
  'event_type',
  'payload',
  'reason',
  'history_source',
  'effective_at',
] as const;

/** Transactions whose staging table exists. */
const staged = new WeakSet<Tx>();

/** The staging table: temporary, made once per transaction and dropped at its end; emptied before each batch. */
async function stagingTable(tx: Tx): Promise<void> {
  if (staged.has(tx)) {
    await sql`TRUNCATE muster_joiners`.execute(tx.db);
    return;
  }
  await sql`CREATE TEMP TABLE muster_joiners (
      id uuid, kind text, status text, attributes jsonb, provenance jsonb, sponsor_id uuid,
      expires_at timestamptz, flags jsonb, last_updated timestamptz, created_at timestamptz, version integer,
      name_skeleton text, email_skeleton text, link_source text, link_key text, digest text, event_id bigint,
      event_type text, payload jsonb, reason text, history_source text, effective_at timestamptz
    ) ON COMMIT DROP`.execute(tx.db);
  staged.add(tx);
}

function stagedRow(j: Joiner): unknown[] {
  const { identity: s, link, event } = j;
  const stored = encodeAttributesText(s.attributes);
  const value = (name: string) => s.attributes[name]?.v;
  const skeletons = skeletonsOf({ given_name: value('given_name'), family_name: value('family_name'), email: value('email') });
  return [
    s.id,
    s.kind,
    s.status,
    stored.attributes,
    stored.provenance,
    s.sponsorId,
    s.expiresAt ? `${s.expiresAt}T00:00:00Z` : null,
    s.flags,
    s.lastUpdated,
    s.createdAt,
    s.version,
    skeletons.name,
    skeletons.email,
    link.source,
    link.key,
    link.digest,
    event.id,
    event.type,
    event.payload,
    event.reason,
    event.source,
    event.effectiveAt,
  ];
}

/** The jobs each event type causes, with their priority, as three parallel arrays for `unnest`. */
function jobKinds(joiners: readonly Joiner[]): { types: string[]; kinds: string[]; priorities: number[] } {
  const out = { types: [] as string[], kinds: [] as string[], priorities: [] as number[] };
  for (const type of new Set(joiners.map((j) => j.event.type))) {
    for (const kind of eventType(type).jobs) {
      out.types.push(type);
      out.kinds.push(kind);
      out.priorities.push(jobPriorityOf(type));
    }
  }
  return out;
}

/** Joiners made ready to write: their staging rows encoded as COPY text, and the jobs their events cause. */
export interface StagedJoiners {
  readonly rows: CopyText;
  readonly jobs: ReturnType<typeof jobKinds>;
}

/** Encodes the joiners' staging rows: work that needs no connection, done while an earlier batch is still being written. */
export function stageJoiners(joiners: readonly Joiner[]): StagedJoiners {
  return { rows: encodeCopy(joiners.map(stagedRow)), jobs: jobKinds(joiners) };
}

/**
 * Writes the joiners. One statement writes every table (identities, then the rows that refer to them): the server
 * runs it to the end without waiting for muster between tables, while muster plans the next batch.
 */
export async function writeJoiners(tx: Tx, staged: StagedJoiners, ctx: JoinerContext): Promise<void> {
  if (staged.rows.length === 0) return;
  await stagingTable(tx);
  await tx.copyRows(STAGING, STAGING_COLUMNS, staged.rows);
  const kinds = staged.jobs;
  await sql`WITH identities_written AS (
      INSERT INTO identities (id, kind, status, attributes, provenance, sponsor_id, expires_at, flags, last_updated, created_at, updated_at, version, name_skeleton, email_skeleton)
      SELECT j.id, j.kind, j.status, j.attributes, j.provenance, j.sponsor_id, j.expires_at, j.flags, j.last_updated, j.created_at, ${ctx.now}::timestamptz, j.version, j.name_skeleton, j.email_skeleton
      FROM muster_joiners j
    ), links_written AS (
      INSERT INTO source_links (source, source_key, identity_id, digest, observed_at)
      SELECT j.link_source, j.link_key, j.id, j.digest, ${ctx.now}::timestamptz FROM muster_joiners j
    ), events_written AS (
      INSERT INTO events (id, type, identity_id, payload, correlation_id, occurred_at, cause_event_id)
      SELECT j.event_id, j.event_type, j.id, j.payload, ${ctx.correlationId}, ${ctx.now}::timestamptz, ${ctx.causeEventId}::bigint FROM muster_joiners j
    ), history_written AS (
      INSERT INTO status_history (identity_id, from_status, to_status, reason, source, event_id, at, effective_at)
      SELECT j.id, NULL, j.status, j.reason, j.history_source, j.event_id, ${ctx.now}::timestamptz, j.effective_at FROM muster_joiners j ORDER BY j.event_id
    )
    INSERT INTO jobs (kind, idempotency_key, payload, status, run_after, event_id, created_at, updated_at, priority)
    SELECT k.kind, k.kind || ':' || j.event_id, jsonb_build_object('eventId', j.event_id, 'identityId', j.id, 'type', j.event_type), 'pending',
      ${ctx.now}::timestamptz, j.event_id, ${ctx.now}::timestamptz, ${ctx.now}::timestamptz, k.priority
    FROM muster_joiners j JOIN unnest(${kinds.types}::text[], ${kinds.kinds}::text[], ${kinds.priorities}::int[]) WITH ORDINALITY AS k(type, kind, priority, ord) ON k.type = j.event_type
    ORDER BY j.event_id, k.ord`.execute(tx.db);
}
