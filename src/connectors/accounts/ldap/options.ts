/** What an LDAP connector needs: an `ldap` target of the configuration, less its `kind`, fits as it is. */
export interface LdapOptions {
  /** ldap:// (with `startTls`, upgraded before the bind) or ldaps://. */
  readonly url: string;
  readonly bindDn: string;
  readonly bindPassword: string;
  /** Container of the accounts: inetOrgPerson entries uid=<key>,<usersDn>. */
  readonly usersDn: string;
  /** Container of the groups: groupOfNames entries cn=<name>,<groupsDn>. */
  readonly groupsDn: string;
  /** PEM of the CA that issued the server certificate (ldaps:// or StartTLS). */
  readonly caFile?: string;
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  readonly startTls?: boolean;
  /** The name the server certificate is checked against, when it is not the URL's host. */
  readonly tlsServerName?: string;
  /** Bound connections the calls are spread over, each pipelining its requests; default 4. */
  readonly connections?: number;
  /** A request slower than this fails (and drops its connection); default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_CONNECTIONS = 4;
