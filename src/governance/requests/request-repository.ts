import { type Selectable, sql } from 'kysely';
import type { AccessRequestsTable } from '../../store/database.ts';
import type { Queryable } from '../../store/store.ts';

/** Access requests, their decisions and the people they name, in the store. Every query is built with Kysely. */

export type RequestRow = Selectable<AccessRequestsTable>;

export const OPEN_STATUSES = ['pending', 'reapproval'] as const;

export async function insertRequest({ db }: Queryable, row: Omit<RequestRow, 'chain' | 'approvers'> & { chain: unknown; approvers: readonly string[] }): Promise<void> {
  await db
    .insertInto('access_requests')
    .values({ ...row, chain: JSON.stringify(row.chain), approvers: JSON.stringify(row.approvers) })
    .execute();
}

/** One request, locked until the transaction ends. */
export function lockRequest({ db }: Queryable, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('access_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findRequest({ db }: Queryable, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export type RequestPatch = Partial<Omit<RequestRow, 'id' | 'chain' | 'approvers'>> & { approvers?: readonly string[] };

export async function updateRequest({ db }: Queryable, id: string, patch: RequestPatch): Promise<void> {
  const { approvers, ...rest } = patch;
  await db
    .updateTable('access_requests')
    .set({ ...rest, ...(approvers ? { approvers: JSON.stringify(approvers) } : {}) })
    .where('id', '=', id)
    .execute();
}

/** A request of this item for this beneficiary still open or granted (one at a time). */
export function liveRequestFor({ db }: Queryable, item: string, beneficiaryId: string, now: Date): Promise<{ id: string; status: string } | undefined> {
  return db
    .selectFrom('access_requests')
    .select(['id', 'status'])
    .where('item', '=', item)
    .where('beneficiary_id', '=', beneficiaryId)
    .where((eb) => eb.or([eb('status', 'in', [...OPEN_STATUSES]), eb.and([eb('status', '=', 'granted'), eb('ends_at', '>', now)])]))
    .executeTakeFirst();
}

/** Requests waiting on a decision that this identity may give, oldest first. */
export function inboxOf({ db }: Queryable, approverId: string, limit: number): Promise<RequestRow[]> {
  return db
    .selectFrom('access_requests')
    .selectAll()
    .where('status', 'in', [...OPEN_STATUSES])
    .where(sql<boolean>`approvers ? ${approverId}`)
    .where('requester_id', '<>', approverId)
    .where('beneficiary_id', '<>', approverId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Requests where this identity is the beneficiary or the requester, newest first. */
export function requestsOf({ db }: Queryable, identityId: string, limit: number): Promise<RequestRow[]> {
  return db
    .selectFrom('access_requests')
    .selectAll()
    .where((eb) => eb.or([eb('beneficiary_id', '=', identityId), eb('requester_id', '=', identityId)]))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface ApprovalRow {
  readonly id: string;
  readonly request_id: string;
  readonly step: number;
  readonly approver_id: string;
  readonly decision: string;
  readonly reason: string;
  readonly decided_at: Date;
}

export async function insertApproval({ db }: Queryable, row: ApprovalRow): Promise<void> {
  await db.insertInto('access_approvals').values(row).execute();
}

export function approvalsOf({ db }: Queryable, requestId: string): Promise<ApprovalRow[]> {
  return db.selectFrom('access_approvals').selectAll().where('request_id', '=', requestId).orderBy('decided_at').orderBy('id').execute() as Promise<ApprovalRow[]>;
}

/** The open requests whose current step is overdue at `now`. */
export function overdueRequests({ db }: Queryable, now: Date, limit: number): Promise<RequestRow[]> {
  return db
    .selectFrom('access_requests')
    .selectAll()
    .where('status', 'in', [...OPEN_STATUSES])
    .where('step_due_at', '<=', now)
    .orderBy('step_due_at')
    .limit(limit)
    .forUpdate()
    .execute();
}

/** Granted requests whose end date has come. */
export function endedGrants({ db }: Queryable, now: Date, limit: number): Promise<RequestRow[]> {
  return db.selectFrom('access_requests').selectAll().where('status', '=', 'granted').where('ends_at', '<=', now).orderBy('ends_at').limit(limit).forUpdate().execute();
}

/** Granted requests of this beneficiary still before their end date. */
export function grantsOf({ db }: Queryable, beneficiaryId: string, now: Date): Promise<RequestRow[]> {
  return db.selectFrom('access_requests').selectAll().where('beneficiary_id', '=', beneficiaryId).where('status', '=', 'granted').where('ends_at', '>', now).forUpdate().execute();
}

export interface PersonRow {
  readonly id: string;
  readonly status: string;
  readonly manager: string | null;
}

/** An identity's status and the `manager` attribute as the MUR holds it. */
export function personOf({ db }: Queryable, id: string): Promise<PersonRow | undefined> {
  return db
    .selectFrom('identities as i')
    .select(['i.id', 'i.status', sql<string | null>`i.attributes -> 'manager' ->> 'v'`.as('manager')])
    .where('i.id', '=', id)
    .executeTakeFirst();
}

/** The active identity a `manager` value names: its employee id in the MUR, or an identity id. */
export async function identityByManagerKey({ db }: Queryable, key: string): Promise<string | undefined> {
  const byEmployee = await db.selectFrom('identities as i').select('i.id').where(sql<string>`i.attributes -> 'employee_id' ->> 'v'`, '=', key).where('i.status', '=', 'active').executeTakeFirst();
  if (byEmployee) return byEmployee.id;
  if (!/^[0-9a-f-]{36}$/i.test(key)) return undefined;
  return (await db.selectFrom('identities').select('id').where('id', '=', key).where('status', '=', 'active').executeTakeFirst())?.id;
}
