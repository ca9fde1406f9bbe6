import { type RawBuilder, sql } from 'kysely';
import type { Queryable } from '../store/store.ts';

/** How a queue table shows its state, as conditions over its rows. */
export interface StatsQuery {
  readonly table: string;
  /** Rows still to do: waiting or claimed. */
  readonly waiting: RawBuilder<unknown>;
  /** Rows a worker holds now. */
  readonly claimed: RawBuilder<unknown>;
  /** Dead letters: given up, kept for a person to retry. */
  readonly dead: RawBuilder<unknown>;
  /** When a row was queued. */
  readonly queuedAt: string;
}

/** A queue's state: items to do, the age of the oldest, items claimed now, dead letters. */
export interface QueueStats {
  readonly depth: number;
  readonly oldestAgeSeconds: number;
  readonly claimed: number;
  readonly dead: number;
}

/** Reads a queue's state in two statements (the waiting rows through their partial index, then the dead letters). */
export async function readQueueStats(db: Queryable, q: StatsQuery, now: Date): Promise<QueueStats> {
  const table = sql.table(q.table);
  const queuedAt = sql.ref(q.queuedAt);
  const waiting = await sql<{ depth: number; claimed: number; oldest: Date | null }>`
    SELECT count(*)::int AS depth, count(*) FILTER (WHERE ${q.claimed})::int AS claimed, min(${queuedAt}) AS oldest
    FROM ${table} WHERE ${q.waiting}`.execute(db.db);
  const dead = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} WHERE ${q.dead}`.execute(db.db);
  const row = waiting.rows[0];
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : null;
  return {
    depth: Number(row?.depth ?? 0),
    claimed: Number(row?.claimed ?? 0),
    oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    dead: Number(dead.rows[0]?.n ?? 0),
  };
}

/** The stats of a leased table (`jobs`, `provisioning_ops`). */
export function leasedStats(table: 'jobs' | 'provisioning_ops', now: Date): StatsQuery {
  return {
    table,
    waiting: sql`status IN ('pending', 'running')`,
    claimed: sql`status = 'running' AND locked_until >= ${now}`,
    dead: sql`status = 'dead'`,
    queuedAt: 'created_at',
  };
}
