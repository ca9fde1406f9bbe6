/**
 * The account connector port: what muster asks of a downstream system (a directory, a SCIM
 * service, a ticket queue). Adapters translate these calls into their protocol and nothing else:
 * they never read the store, and every mutation is idempotent, so that a job replayed after a
 * crash does no harm (creating an existing account is the one call that is refused, with
 * MUSTER_ERR_TARGET_CONFLICT, because the caller must look before it creates).
 */

import type { AccountFields } from '../../core/access/account-fields.ts';

/** The account fields muster provisions; each adapter maps them to its own schema. */
export { ACCOUNT_FIELDS, type AccountField, type AccountFields } from '../../core/access/account-fields.ts';

/** What muster wants to exist in the target. */
export interface AccountSpec {
  /** The login (LDAP uid, SCIM userName): unique in the target. */
  readonly key: string;
  /** The identity id, written where the target keeps a correlation value (employeeNumber, externalId). */
  readonly correlationId: string;
  readonly fields: AccountFields;
  readonly enabled: boolean;
}

/** An account as the target reports it. */
export interface RemoteAccount {
  /** The target's own id of the account (LDAP DN, SCIM id). */
  readonly id: string;
  readonly key: string;
  readonly correlationId: string | null;
  readonly enabled: boolean;
  readonly fields: AccountFields;
  /** Names of the groups (entitlements) the account is a member of. */
  readonly groups: readonly string[];
  /** The certificate mappings muster writes, as the target holds them (where `capabilities.certificates`). */
  readonly certificateMappings?: readonly string[];
}

/** What an adapter can do; callers read these flags instead of asking which adapter it is. */
export interface ConnectorCapabilities {
  /** listAccounts and listEntitlements work (reconciliation needs them). */
  readonly list: boolean;
  /** Group membership (entitlements) is managed. */
  readonly groups: boolean;
  readonly delete: boolean;
  /** Updates are conditional on the version last read (SCIM ETags). */
  readonly etags: boolean;
  /** Changes are carried out later by a person (a ticket), not at once. */
  readonly deferred: boolean;
  /** The account carries its holder's PIV logon certificates (a directory's smart card mapping): mapCertificates works. */
  readonly certificates?: boolean;
  /** The account names the account of its holder's manager (a directory's `manager`): setManager works. */
  readonly managers?: boolean;
  /**
   * Calls made at once that go out together in one request (a SCIM service's /Bulk maxOperations), each answered on its
   * own: a caller may keep this many times its concurrency in flight. Absent: one call a request.
   */
  readonly callsPerRequest?: number;
}

/** What a mutation left behind: for a deferred target, the ticket that carries it. */
export interface Receipt {
  readonly ticket?: string;
}

export interface Created extends Receipt {
  readonly id: string;
}

/** What mapCertificates left: the mapping values the account now holds, in the target's own form. */
export interface Mapped extends Receipt {
  readonly mappings: readonly string[];
}

export interface Connector {
  /** The target's name in configuration. */
  readonly target: string;
  readonly kind: string;
  readonly capabilities: ConnectorCapabilities;
  /** Asks the target what it can do (a SCIM service's ServiceProviderConfig), once; `capabilities` tell it from then on. */
  discover?(): Promise<ConnectorCapabilities>;
  /** The account with this key, or null. */
  findAccount(key: string): Promise<RemoteAccount | null>;
  /** Refused with MUSTER_ERR_TARGET_CONFLICT when the key is taken. */
  createAccount(spec: AccountSpec): Promise<Created>;
  /** Replaces the given fields; fields not given are left alone. */
  updateAccount(id: string, fields: AccountFields): Promise<Receipt>;
  /**
   * Gives the account a new login (when the identity's account key changes), keeping the account itself:
   * its groups, state and correlation value. Answers the account's id afterwards, which changes with the
   * login where the id is built from it (an LDAP DN). Renaming to the login it has changes nothing; a login
   * another account holds is refused with MUSTER_ERR_TARGET_CONFLICT, a missing account with MUSTER_ERR_NOT_FOUND.
   */
  renameAccount(id: string, key: string): Promise<Created>;
  disableAccount(id: string): Promise<Receipt>;
  enableAccount(id: string): Promise<Receipt>;
  /** Deleting an account that is gone already succeeds. */
  deleteAccount(id: string): Promise<Receipt>;
  /** Every account, a page at a time. */
  listAccounts(pageSize?: number): AsyncIterable<readonly RemoteAccount[]>;
  /**
   * The target's change high-water mark now (where it numbers its changes, as AD's uSNChanged): an incremental
   * reconciliation keeps it, and lists next time only what changed after it.
   */
  highWaterMark?(): Promise<string>;
  /** The accounts changed after a mark, a page at a time; null when the mark cannot be used (another server's). */
  listAccountsChangedSince?(mark: string, pageSize?: number): AsyncIterable<readonly RemoteAccount[]> | null;
  /** Names of every group of the target. */
  listEntitlements(): Promise<readonly string[]>;
  /** Makes the account a member of the group, creating the group when it does not exist. */
  addMember(group: string, id: string): Promise<Receipt>;
  /** Removing a non-member (or from a missing group) succeeds. */
  removeMember(group: string, id: string): Promise<Receipt>;
  /**
   * Maps exactly these certificates (DER) to the account for smart card logon, and no other certificate muster
   * mapped before: a revoked, suspended or replaced card's mapping goes. Only where `capabilities.certificates`.
   */
  mapCertificates?(id: string, certificates: readonly Uint8Array[]): Promise<Mapped>;
  /**
   * Makes the account of the manager (its id in this target) the account's manager; null clears it. A manager
   * account that does not exist is MUSTER_ERR_NOT_FOUND. Only where `capabilities.managers`.
   */
  setManager?(id: string, managerId: string | null): Promise<Receipt>;
  close(): Promise<void>;
}
