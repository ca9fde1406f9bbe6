import type { Queryable } from '../../store/store.ts';
import { credentialsOf, privilegesOf, trainingOf, userPage } from './cdm-repository.ts';
import type { Cell } from './csv.ts';

/** The CDM Master User Record object types the export writes (GSA ILM playbook, table 2). */
export const CDM_EXPORT_OBJECTS = ['USER', 'CRED', 'BEHAVE', 'PRIV'] as const;
export type CdmExportObject = (typeof CDM_EXPORT_OBJECTS)[number];

/** Every attribute of every object, in the order a CSV export writes them; an object leaves the others empty. */
export const CDM_COLUMNS = [
  'object',
  'user_id',
  'full_name',
  'email',
  'user_type',
  'status',
  'credential_type',
  'credential_status',
  'issued',
  'expires',
  'training_type',
  'training_status',
  'completed',
  'privilege_type',
  'privilege_status',
  'associated_system',
] as const;

export type CdmRecord = Readonly<Record<string, Cell>> & { readonly object: CdmExportObject; readonly user_id: string };

const PAGE = 500;

/**
 * The MUR as CDM objects, a page of identities at a time (keyset by id): each identity's USER object, then its CRED,
 * BEHAVE and PRIV objects. Memory holds one page, never the whole record.
 */
export async function* cdmRecords(db: Queryable, objects: ReadonlySet<CdmExportObject> = new Set(CDM_EXPORT_OBJECTS)): AsyncGenerator<CdmRecord> {
  let after: string | null = null;
  for (;;) {
    const users = await userPage(db, after, PAGE);
    if (users.length === 0) return;
    const ids = users.map((u) => u.user_id);
    const creds = objects.has('CRED') ? await credentialsOf(db, ids) : [];
    const training = objects.has('BEHAVE') ? await trainingOf(db, ids) : [];
    const privileges = objects.has('PRIV') ? await privilegesOf(db, ids) : [];
    const byUser = group([
      ...creds.map((row) => ({ object: 'CRED' as const, ...row })),
      ...training.map((row) => ({ object: 'BEHAVE' as const, ...row })),
      ...privileges.map((row) => ({ object: 'PRIV' as const, ...row })),
    ]);
    for (const user of users) {
      if (objects.has('USER')) yield { object: 'USER', ...user };
      yield* byUser.get(user.user_id) ?? [];
    }
    after = users.at(-1)?.user_id ?? null;
    if (users.length < PAGE) return;
  }
}

function group(records: readonly CdmRecord[]): Map<string, CdmRecord[]> {
  const byUser = new Map<string, CdmRecord[]>();
  for (const record of records) {
    const list = byUser.get(record.user_id);
    if (list) list.push(record);
    else byUser.set(record.user_id, [record]);
  }
  return byUser;
}
