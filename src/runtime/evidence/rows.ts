import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/**
 * The rows of one leaver, read with Kysely. They are chosen by identity and by time since the event; this is the
 * one place that chooses them, so it can move to the event id once operations carry it.
 */

/** Domain events that end a person's access: the ones evidence is produced for. */
export const LEAVER_EVENT_TYPES: readonly string[] = ['identity.leaver', 'identity.disabled'];

export function leaverEvent({ db }: Queryable, identityId: string, eventId: number | undefined) {
  let query = db.selectFrom('events').select(['id', 'type', 'payload', 'correlation_id', 'occurred_at']).where('identity_id', '=', identityId);
  query = eventId === undefined ? query.where('type', 'in', [...LEAVER_EVENT_TYPES]) : query.where('id', '=', eventId);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export function identityExists({ db }: Queryable, identityId: string) {
  return db.selectFrom('identities').select('id').where('id', '=', identityId).executeTakeFirst();
}

export function leaverCertificates({ db }: Queryable, identityId: string) {
  return db
    .selectFrom('certificates as c')
    .leftJoin('credentials as r', 'r.id', 'c.credential_id')
    .select(['c.serial', 'c.issuer', 'c.profile', 'c.status', 'c.reason', 'c.revoked_at', 'c.der', 'c.change_seq', sql<string>`c.credential_id::text`.as('credential_id'), 'r.type as credential_type'])
    .where('c.identity_id', '=', identityId)
    .orderBy('c.not_before')
    .orderBy('c.serial')
    .execute();
}

/** The first CRL of the issuer that reflects certificate changes up to `changeSeq`. */
export function firstCrlThrough({ db }: Queryable, issuer: string, changeSeq: number) {
  return db.selectFrom('crls').select(['issuer', 'number', 'this_update', 'der']).where('issuer', '=', issuer).where('through_change', '>=', changeSeq).orderBy('number').limit(1).executeTakeFirst();
}

export function leaverAccounts({ db }: Queryable, identityId: string) {
  return db.selectFrom('accounts').select(['target', 'account_ref', 'remote_id', 'status', 'disabled_at']).where('identity_id', '=', identityId).orderBy('target').orderBy('account_ref').execute();
}

export function operationsSince({ db }: Queryable, identityId: string, since: Date) {
  return db
    .selectFrom('provisioning_ops')
    .select(['id', 'target', 'reason', 'status', 'attempts', 'created_at', 'done_at', 'last_error'])
    .where('identity_id', '=', identityId)
    .where('created_at', '>=', since)
    .orderBy('id')
    .execute();
}

export function ticketsSince({ db }: Queryable, identityId: string, since: Date) {
  return db
    .selectFrom('tickets')
    .select(['id', 'target', 'account_ref', 'operation', 'status', 'outcome', 'opened_at', 'closed_at', 'closed_by'])
    .where('identity_id', '=', identityId)
    .where('opened_at', '>=', since)
    .orderBy('opened_at')
    .execute();
}

export function signalsSince({ db }: Queryable, identityId: string, since: Date) {
  return db
    .selectFrom('ssf_events')
    .select(['jti', 'client_id', 'event_type', 'set_jwt', 'state', 'attempts', 'created_at', 'delivered_at', 'last_error'])
    .where('identity_id', '=', identityId)
    .where('created_at', '>=', since)
    .orderBy('seq')
    .execute();
}

export function rpAccounts({ db }: Queryable, identityId: string) {
  return db.selectFrom('rp_provisioning').select(['client_id', 'state', 'remote_id', 'synced_at', 'attempts', 'last_error']).where('identity_id', '=', identityId).orderBy('client_id').execute();
}

export function opLogins({ db }: Queryable, identityId: string) {
  return db.selectFrom('oidc_logins').select(['session_uid', 'credential_type', 'auth_time', 'ended_at']).where('identity_id', '=', identityId).orderBy('auth_time').execute();
}

export function opPayloads({ db }: Queryable, identityId: string) {
  return db.selectFrom('oidc_payloads').select(['model', 'id', 'expires_at']).where('account_id', '=', identityId).orderBy('model').orderBy('id').execute();
}

export function eventJobs({ db }: Queryable, eventId: number) {
  return db.selectFrom('jobs').select(['kind', 'status', 'updated_at']).where('event_id', '=', eventId).orderBy('id').execute();
}

/**
 * The seq of the audit entry that recorded the event (its data names the event id). The entry was written with the
 * event, so the search starts at the last checkpoint signed before it: a range of the primary key, not the whole log.
 */
export async function eventEntrySeq({ db }: Queryable, identityId: string, event: { id: number; type: string; occurredAt: Date }): Promise<number | undefined> {
  const before = await db.selectFrom('audit_checkpoints').select('seq').where('signed_at', '<', event.occurredAt).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row = await db
    .selectFrom('audit_log')
    .select('seq')
    .where('seq', '>', before?.seq ?? 0)
    .where('target', '=', identityId)
    .where('action', '=', event.type)
    .where(sql<boolean>`(data::jsonb ->> 'event_id') = ${String(event.id)}`)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return row?.seq;
}

/** Events after which a person is back: the leaver's own entries end before the first of them. */
const RETURN_EVENT_TYPES: readonly string[] = ['identity.rehire', 'identity.return', 'identity.activated', 'identity.joiner'];
/** Entries about the evidence itself, not about the leaver. */
const EVIDENCE_ACTIONS: readonly string[] = ['evidence.issued'];

/** The identity's next event after `eventId` that brings the person back, if any. */
export function nextReturnEvent({ db }: Queryable, identityId: string, eventId: number) {
  return db
    .selectFrom('events')
    .select(['id', 'type', 'occurred_at'])
    .where('identity_id', '=', identityId)
    .where('id', '>', eventId)
    .where('type', 'in', [...RETURN_EVENT_TYPES])
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** The seqs of the identity's audit entries in [fromSeq, beforeSeq), leaving out the entries about evidence. */
export async function identityEntrySeqs({ db }: Queryable, identityId: string, fromSeq: number, beforeSeq = Number.MAX_SAFE_INTEGER): Promise<number[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select('seq')
    .where('target', '=', identityId)
    .where('seq', '>=', fromSeq)
    .where('seq', '<', beforeSeq)
    .where('action', 'not in', [...EVIDENCE_ACTIONS])
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.seq);
}

/** The first checkpoint at or after `seq` signed with the key `keyId`. */
export function checkpointCovering({ db }: Queryable, seq: number, keyId: string) {
  return db.selectFrom('audit_checkpoints').select(['seq', 'hash', 'key_id', 'signature']).where('seq', '>=', seq).where('key_id', '=', keyId).orderBy('seq').limit(1).executeTakeFirst();
}
