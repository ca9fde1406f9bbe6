import type { Clock } from '../../core/clock.ts';
import type { Queryable, Tx } from '../../store/store.ts';
import type { CertificateAuthority } from '../ca.ts';
import { createCrl, type RevokedEntry } from '../crl.ts';

export interface CrlInput {
  readonly revoked: readonly RevokedEntry[];
  readonly validityHours: number;
  /** The newest certificate change_seq the list reflects. */
  readonly throughChange: number;
}

export interface PublishedCrl {
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: number;
  readonly throughChange: number;
  readonly der: Uint8Array;
}

const CRL_LOCK = "pg_advisory_xact_lock(hashtext('muster.crl'))";

/** Takes the CRL publication lock until the transaction ends: one publisher at a time across processes. */
export async function lockCrlPublication(tx: Tx): Promise<void> {
  await tx.query(`SELECT ${CRL_LOCK}`);
}

/**
 * Signs and stores the next CRL of the CA (cRLNumber one more than the last), listing `revoked`. Publishers in
 * several processes take turns under an advisory lock, so numbers never repeat.
 */
export async function publishCrl(tx: Tx, ca: CertificateAuthority, clock: Clock, input: CrlInput): Promise<PublishedCrl> {
  const { revoked, validityHours, throughChange } = input;
  const [last] = await tx.query<{ n: string | null }>('SELECT max(number)::text AS n FROM crls WHERE issuer = $1', [ca.name]);
  const number = Number(last?.n ?? 0) + 1;
  const crl = await createCrl({ ca, clock, crlNumber: number, nextUpdateHours: validityHours, revoked });
  const published = { number, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate as Date, revoked: revoked.length, throughChange, der: new Uint8Array(crl.rawData) };
  await tx.query(`INSERT INTO crls (issuer, number, this_update, next_update, revoked, through_change, der) VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'))`, [
    ca.name,
    number,
    published.thisUpdate,
    published.nextUpdate,
    published.revoked,
    throughChange,
    Buffer.from(published.der).toString('hex'),
  ]);
  return published;
}

type Row = { number: string; this_update: Date; next_update: Date; revoked: number; through_change: string; der?: Uint8Array };

/** What a CRL says about itself, without its bytes. */
export type CrlInfo = Omit<PublishedCrl, 'der'>;

/** Ordered by the bigint column itself: `ORDER BY number` would name the text output alias and put CRL 9 after CRL 10. */
async function newest(db: Queryable, issuer: string, withDer: boolean): Promise<Row | undefined> {
  const [row] = await db.query<Row>(
    `SELECT number::text AS number, this_update, next_update, revoked, through_change::text AS through_change${withDer ? ', der' : ''} FROM crls WHERE issuer = $1 ORDER BY crls.number DESC LIMIT 1`,
    [issuer],
  );
  return row;
}

function info(row: Row): CrlInfo {
  return { number: Number(row.number), thisUpdate: new Date(row.this_update), nextUpdate: new Date(row.next_update), revoked: row.revoked, throughChange: Number(row.through_change) };
}

/** The newest CRL of an issuer, or null before the first. */
export async function latestCrl(db: Queryable, issuer: string): Promise<PublishedCrl | null> {
  const row = await newest(db, issuer, true);
  return row ? { ...info(row), der: new Uint8Array(row.der as Uint8Array) } : null;
}

/** The newest CRL's number, times and coverage, without reading its bytes. */
export async function latestCrlInfo(db: Queryable, issuer: string): Promise<CrlInfo | null> {
  const row = await newest(db, issuer, false);
  return row ? info(row) : null;
}
