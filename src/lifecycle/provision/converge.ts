import { createHash } from 'node:crypto';
import type { AccountFields } from '../../core/access/account-fields.ts';
import { isMusterError, MusterError } from '../../core/errors.ts';
import type { Connector, Created, Receipt, RemoteAccount } from '../../connectors/accounts/port.ts';

/** What the target was last left holding, as muster made it. */
export interface SyncedState {
  /** The login the account had; absent in records written before muster kept it (then it is the record's key). */
  readonly key?: string;
  readonly enabled: boolean;
  readonly fields: AccountFields;
  readonly groups: readonly string[];
  /** SHA-256 fingerprints of the certificates mapped to the account; absent when muster never mapped any. */
  readonly certificates?: readonly string[];
  /** The mapping values that left in the target (reconciliation compares them with what it holds). */
  readonly mappings?: readonly string[];
  /** The remote id of the manager's account the account was last given (null: none); absent where muster never set one. */
  readonly manager?: string | null;
}

/** One account as muster records it: the desired state and what was last synced. */
export interface AccountRecord {
  readonly identityId: string;
  readonly target: string;
  readonly key: string;
  /** `deleted`: the target's policy deletes the accounts of archived identities (`deleteOnArchive`). */
  readonly status: 'enabled' | 'disabled' | 'archived' | 'deleted';
  readonly fields: AccountFields;
  /** Active entitlements (group names) the account should hold. */
  readonly groups: readonly string[];
  readonly remoteId: string | null;
  readonly synced: SyncedState | null;
  /** The holder's good PIV Authentication certificates (DER), for a target that maps them for smart card logon. */
  readonly certificates?: readonly Uint8Array[];
  /** The remote id of the manager's account in the target (null: none yet), for a target that names managers. */
  readonly manager?: string | null;
}

export interface ConvergeResult {
  readonly remoteId: string | null;
  readonly synced: SyncedState | null;
  /** The calls made, in order (for the audit entry). */
  readonly calls: readonly string[];
  /** Tickets opened by a deferred target. */
  readonly tickets: readonly { ticket: string; operation: string }[];
}

/**
 * Makes the target hold what the record says: links or creates the account, renames it when the
 * record's key changed, updates changed fields, enables or disables it, and adds or removes group
 * memberships. Every step is idempotent; an account is created only after a lookup found none and
 * the account muster last held (if any) could not be renamed to the key, so a replay after a crash
 * links or renames the account it made instead of making a second one.
 */
export async function convergeAccount(connector: Connector, record: AccountRecord): Promise<ConvergeResult> {
  if (record.status === 'deleted') return removeAccount(connector, record);
  try {
    return await converge(connector, record);
  } catch (error) {
    // the account was removed in the target behind muster's back: look again from scratch
    if (isMusterError(error, 'MUSTER_ERR_NOT_FOUND') && record.remoteId !== null) return converge(connector, { ...record, remoteId: null, synced: null });
    throw error;
  }
}

/**
 * Deletes the account in the target (the one muster holds, else the one with the record's key that is the identity's):
 * a replay, or an account gone already, deletes nothing and succeeds. What the target held is forgotten.
 */
async function removeAccount(connector: Connector, record: AccountRecord): Promise<ConvergeResult> {
  if (!connector.capabilities.delete)
    throw new MusterError('MUSTER_ERR_VALIDATION', `target '${record.target}' cannot delete accounts: its deleteOnArchive cannot be honoured`, [
      { field: 'deleteOnArchive', value: record.target, message: 'the connector has no delete' },
    ]);
  let id = record.remoteId;
  if (id === null && !connector.capabilities.deferred) {
    const found = await connector.findAccount(record.key);
    if (found && (!found.correlationId || found.correlationId === record.identityId)) id = found.id;
  }
  if (id === null) return { remoteId: null, synced: null, calls: [], tickets: [] };
  const receipt = await connector.deleteAccount(id);
  return { remoteId: null, synced: null, calls: ['delete'], tickets: receipt.ticket ? [{ ticket: receipt.ticket, operation: 'delete' }] : [] };
}

async function converge(connector: Connector, record: AccountRecord): Promise<ConvergeResult> {
  const calls: string[] = [];
  const tickets: { ticket: string; operation: string }[] = [];
  const note = (operation: string, receipt: Receipt) => {
    calls.push(operation);
    if (receipt.ticket) tickets.push({ ticket: receipt.ticket, operation });
  };
  const wantEnabled = record.status === 'enabled';
  let remoteId = record.remoteId;
  let synced = record.synced;
  if (remoteId !== null && synced !== null && (synced.key ?? record.key) !== record.key) {
    const renamed = await connector.renameAccount(remoteId, record.key);
    note('rename', renamed);
    remoteId = renamed.id;
  }
  if (remoteId === null || synced === null) {
    const found = connector.capabilities.deferred ? null : await findOrRename(connector, record, note);
    if (found) {
      if (found.correlationId && found.correlationId !== record.identityId) {
        throw new MusterError('MUSTER_ERR_TARGET_CONFLICT', `account '${record.key}' in '${record.target}' belongs to another identity (${found.correlationId})`, [
          { field: 'key', value: record.key, message: 'correlation value differs' },
        ]);
      }
      remoteId = found.id;
      synced = { enabled: found.enabled, fields: found.fields, groups: found.groups };
      calls.push('link');
    } else if (connector.capabilities.deferred && remoteId !== null) {
      // a ticket target cannot be read: ask again for everything the record says
      synced = { enabled: !wantEnabled, fields: {}, groups: [] };
    } else {
      if (!wantEnabled) return { remoteId: null, synced: null, calls, tickets };
      const created = await connector.createAccount({ key: record.key, correlationId: record.identityId, fields: record.fields, enabled: true });
      note('create', created);
      remoteId = created.id;
      synced = { enabled: true, fields: record.fields, groups: [] };
    }
  }
  const id = remoteId as string;
  const was = synced as SyncedState;
  const changed = changedFields(was.fields, record.fields);
  if (Object.keys(changed).length > 0) note('update', await connector.updateAccount(id, changed));
  if (was.enabled !== wantEnabled) note(wantEnabled ? 'enable' : 'disable', await (wantEnabled ? connector.enableAccount(id) : connector.disableAccount(id)));
  const groups = await syncGroups(connector, id, was.groups, record.groups, note);
  const mapped = await syncCertificates(connector, id, was, record.certificates ?? [], note);
  const manager = await syncManager(connector, id, was, record.manager, note);
  return { remoteId: id, synced: { key: record.key, enabled: wantEnabled, fields: record.fields, groups, ...mapped, ...manager }, calls, tickets };
}

/** Gives the account the manager the record names when it differs from the one given last (none counts as null). */
async function syncManager(connector: Connector, id: string, was: SyncedState, want: string | null | undefined, note: (op: string, r: Receipt) => void): Promise<Pick<SyncedState, 'manager'>> {
  if (want === undefined || !connector.capabilities.managers || !connector.setManager) return was.manager === undefined ? {} : { manager: was.manager };
  if ((was.manager ?? null) !== want) note(want === null ? 'clear manager' : 'set manager', await connector.setManager(id, want));
  return { manager: want };
}

/** Maps the holder's certificates when they differ from those mapped last (or muster never mapped any there). */
async function syncCertificates(
  connector: Connector,
  id: string,
  was: SyncedState,
  want: readonly Uint8Array[],
  note: (op: string, r: Receipt) => void,
): Promise<Pick<SyncedState, 'certificates' | 'mappings'>> {
  const kept = { ...(was.certificates ? { certificates: was.certificates } : {}), ...(was.mappings ? { mappings: was.mappings } : {}) };
  if (!connector.capabilities.certificates || !connector.mapCertificates) return kept;
  const fingerprints = want.map((der) => createHash('sha256').update(der).digest('hex')).sort();
  const had = was.certificates;
  if (had && was.mappings && had.length === fingerprints.length && had.every((f, i) => f === fingerprints[i])) return kept;
  const mapped = await connector.mapCertificates(id, want);
  note('map certificates', mapped);
  return { certificates: fingerprints, mappings: [...mapped.mappings].sort() };
}

/**
 * The account with the record's key; else, when muster holds an account whose state it no longer knows
 * (drift, or a key that changed meanwhile), that account renamed to the key. Null when there is neither.
 */
async function findOrRename(connector: Connector, record: AccountRecord, note: (op: string, r: Receipt) => void): Promise<RemoteAccount | null> {
  const found = await connector.findAccount(record.key);
  if (found || record.remoteId === null) return found;
  let renamed: Created;
  try {
    renamed = await connector.renameAccount(record.remoteId, record.key);
  } catch (error) {
    if (isMusterError(error, 'MUSTER_ERR_NOT_FOUND')) return null;
    throw error;
  }
  note('rename', renamed);
  return connector.findAccount(record.key);
}

/**
 * Adds the account to the groups it lacks, then removes it from those it should leave: the changes of each phase go
 * out together, so that a connector gathering member changes per group (LDAP) sends each large group one modify for
 * the many accounts converging at once. Receipts are noted in the order of the groups. A failed change fails the
 * operation; its retry finds the changes that went through already made (adding a member there, or removing one
 * gone, is success).
 */
async function syncGroups(connector: Connector, id: string, had: readonly string[], want: readonly string[], note: (op: string, r: Receipt) => void): Promise<readonly string[]> {
  if (!connector.capabilities.groups) return had;
  const joining = want.filter((group) => !had.includes(group));
  const added = await allSettled(joining.map((group) => connector.addMember(group, id)));
  joining.forEach((group, i) => note(`add ${group}`, added[i] as Receipt));
  const leaving = had.filter((group) => !want.includes(group));
  const removed = await allSettled(leaving.map((group) => connector.removeMember(group, id)));
  leaving.forEach((group, i) => note(`remove ${group}`, removed[i] as Receipt));
  return [...want].sort();
}

/** The values once every change has settled (none left running when the operation fails), or the first failure. */
async function allSettled<T>(changes: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(changes);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function changedFields(had: AccountFields, want: AccountFields): AccountFields {
  const out: AccountFields = {};
  for (const [name, value] of Object.entries(want) as [keyof AccountFields, string][]) if (had[name] !== value) out[name] = value;
  return out;
}
