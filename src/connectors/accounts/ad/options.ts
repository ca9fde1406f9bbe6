import type { AccountField } from '../port.ts';

/** What an Active Directory connector needs: an `ad` target of the configuration, less its `kind`, fits as it is. */
export interface AdOptions {
  /** ldaps:// (port 636), or ldap:// with `startTls`: passwords are only ever sent encrypted. */
  readonly url: string;
  readonly bindDn: string;
  readonly bindPassword: string;
  /** PEM of the CA that issued the domain controller's certificate. */
  readonly caFile?: string;
  readonly startTls?: boolean;
  /** The name the DC's certificate is checked against, when the URL names it by address. */
  readonly tlsServerName?: string;
  /** The OU new accounts go to when placement names no other. */
  readonly usersDn: string;
  /** The container of muster's groups (cn=<entitlement>). */
  readonly groupsDn: string;
  /** Where an account is looked up by its login (subtree); default the domain of usersDn. */
  readonly searchBaseDn?: string;
  /** The UPN suffix: userPrincipalName is <login>@<upnSuffix> (a login with an @ is the UPN itself). */
  readonly upnSuffix: string;
  /** sAMAccountName pattern: {key}, {given}, {family}, {g} (first initial); cut to 20 characters, numbered on collision. */
  readonly samPattern?: string;
  /** The attribute that carries muster's correlation value (the identity id); default employeeNumber (employeeID holds 16 characters at most). */
  readonly correlationAttribute?: string;
  /** OU per value of an account field (e.g. department → OU of the component); others go to usersDn. */
  readonly placement?: { readonly field: AccountField; readonly ous: Readonly<Record<string, string>> };
  /** Disabled accounts (leavers) are moved here, and back to their OU when enabled again. */
  readonly disabledDn?: string;
  /** New accounts get SMARTCARD_REQUIRED (0x40000): PIV logon only. Every account gets a random password nobody knows. */
  readonly smartcardRequired?: boolean;
  /** Values per ranged read of a large group's member attribute; default 1500 (AD's MaxValRange). */
  readonly rangeSize?: number;
  readonly connections?: number;
  readonly timeoutMs?: number;
}

export const DEFAULT_SAM_PATTERN = '{key}';
export const DEFAULT_CORRELATION_ATTRIBUTE = 'employeeNumber';
export const DEFAULT_RANGE_SIZE = 1500;
