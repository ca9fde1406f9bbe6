/**
 * The operator roles of muster. An operator is an identity of the MUR holding one or more of these
 * roles; every admin API route names the roles that may call it, and a token carries a subset of its
 * operator's roles. docs/operators.md has the table of what each role may do and why.
 */
export const OPERATOR_ROLES = Object.freeze({
  sponsor: 'vouches for a person or a non-person entity and approves their credentials',
  registrar: 'registers identities, reads the record and resolves disputed correlations',
  adjudicator: 'decides suitability and credentialing eligibility (TRUST) from vetting results; uploads a vetting snapshot by hand',
  issuer: 'issues, activates, updates and replaces PIV cards and binds Derived PIV credentials',
  helpdesk: 'answers holders: reads their record and credentials, suspends a lost card or device',
  'security-officer': 'places and releases holds, terminates credentials, approves credential exceptions',
  'ca-operator': 'looks after the CA: its keys, certificates, CRLs and OCSP responder',
  'policy-admin': 'writes and disables access policies',
  'federation-admin': 'writes trust agreements and pushes their populations to relying parties',
  'provisioning-admin': 'looks after provisioning, the outbox, reconciliation and tickets of targets',
  'source-admin': 'imports HR, NPE and training snapshots by hand and confirms runs held by the mass-change guard',
  'operator-admin': 'grants operator roles and issues and revokes operator tokens',
  reviewer: 'keeps or revokes the certification campaign items assigned to them (as manager or owner)',
  auditor: 'reads everything, verifies and exports the audit log; writes nothing',
} as const);

export type FixedRole = keyof typeof OPERATOR_ROLES;

/** The feed of one authoritative source: `source-feed:hr` may send events and snapshots of `hr` only. */
export const SOURCE_FEED_PREFIX = 'source-feed:';
export type SourceFeedRole = `${typeof SOURCE_FEED_PREFIX}${string}`;
export type OperatorRole = FixedRole | SourceFeedRole;

/** In a route's roles: the feed of the source named by the route's `{source}` path parameter. */
export const ROUTE_SOURCE_FEED = 'source-feed:{source}';

/**
 * In a route's roles: who may send a snapshot of the `{source}` by hand. A source-admin, for HR, NPE and training
 * sources; for a vetting source, an adjudicator: adjudication results come from the vetting source's feed or an
 * adjudicator, never from whoever uploads HR files.
 */
export const ROUTE_SNAPSHOT_BY_HAND = 'source-admin/adjudicator:{source}';

/** The route roles that name the `{source}` path parameter. */
export const SOURCE_ROUTE_ROLES: readonly string[] = [ROUTE_SOURCE_FEED, ROUTE_SNAPSHOT_BY_HAND];

/** A face adds the configured kind of the `{source}` (hr, npe, vetting, training) to a request's params under this key. */
export const SOURCE_KIND_PARAM = '{source}.kind';

export type RouteRole = FixedRole | typeof ROUTE_SOURCE_FEED | typeof ROUTE_SNAPSHOT_BY_HAND;

/** The role that may grant roles and issue tokens to others. */
export const GRANTING_ROLE: FixedRole = 'operator-admin';

const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export function isFixedRole(name: string): name is FixedRole {
  return Object.hasOwn(OPERATOR_ROLES, name);
}

/** A role name muster knows: a fixed role, or `source-feed:` and a source name. */
export function isOperatorRole(name: string): name is OperatorRole {
  return isFixedRole(name) || (name.startsWith(SOURCE_FEED_PREFIX) && SOURCE_NAME.test(name.slice(SOURCE_FEED_PREFIX.length)));
}

/** The role a route's declared role asks for on this request: `{source}` filled from the path. */
export function neededRole(declared: RouteRole, params: Readonly<Record<string, string | undefined>>): OperatorRole | null {
  if (declared === ROUTE_SNAPSHOT_BY_HAND) return params[SOURCE_KIND_PARAM] === 'vetting' ? 'adjudicator' : 'source-admin';
  if (declared !== ROUTE_SOURCE_FEED) return declared;
  const source = params.source;
  return source !== undefined && SOURCE_NAME.test(source) ? `${SOURCE_FEED_PREFIX}${source}` : null;
}

/** The request's params with the configured kind of its `{source}` added (under SOURCE_KIND_PARAM), when it names one. */
export function withSourceKind(params: Readonly<Record<string, string | undefined>>, kindOf: (source: string) => string | undefined): Record<string, string | undefined> {
  const source = params.source;
  return source === undefined ? { ...params } : { ...params, [SOURCE_KIND_PARAM]: kindOf(source) };
}

/** The declared roles as this request needs them (a `{source}` feed with no usable source drops out). */
export function neededRoles(declared: readonly RouteRole[], params: Readonly<Record<string, string | undefined>>): OperatorRole[] {
  return declared.map((role) => neededRole(role, params)).filter((role): role is OperatorRole => role !== null);
}

/** Default deny: allowed only when the held roles include one the route needs on this request. */
export function rolesAllow(held: readonly string[], declared: readonly RouteRole[], params: Readonly<Record<string, string | undefined>>): boolean {
  return neededRoles(declared, params).some((role) => held.includes(role));
}
