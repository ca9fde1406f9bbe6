import { z } from 'zod';

/** Attributes tried in order for an account's login in a target; the first one present is used. */
const accountKey = z
  .array(z.enum(['employee_id', 'npe_id', 'email', 'identity_id']))
  .min(1)
  .default(['employee_id', 'npe_id', 'identity_id'])
  .describe('identity attributes tried in order for the account login (uid, userName); the first present wins');

const common = {
  accountKey,
  concurrency: z.number().int().min(1).max(64).default(8).describe('operations in flight at once against this target'),
  timeoutMs: z.number().int().min(100).default(10_000).describe('a call slower than this counts as a failure'),
  deleteOnArchive: z.boolean().default(false).describe('when an identity passes to archived (governance retention), its account here is deleted through provisioning; the MUR keeps the record'),
};

const ldapTarget = z.strictObject({
  kind: z.literal('ldap'),
  url: z.string().regex(/^ldaps?:\/\/.+/, 'must be an ldap:// or ldaps:// URL'),
  bindDn: z.string().min(1),
  bindPassword: z.string().min(1).describe('password of bindDn'),
  usersDn: z.string().min(1).describe('container of the accounts (inetOrgPerson, uid=<login>)'),
  groupsDn: z.string().min(1).describe('container of the groups (groupOfNames, cn=<entitlement>)'),
  caFile: z.string().min(1).optional().describe('PEM of the CA that issued the server certificate (ldaps:// or StartTLS)'),
  startTls: z.boolean().optional().describe('upgrade an ldap:// connection with StartTLS before binding'),
  tlsServerName: z.string().min(1).optional().describe('the name the server certificate is checked against, when the URL names the server by address'),
  connections: z.number().int().min(1).max(16).default(4).describe('bound connections the calls are spread over (each pipelines its requests)'),
  ...common,
});

const adTarget = z.strictObject({
  kind: z.literal('ad'),
  url: z.string().regex(/^ldaps?:\/\/.+/, 'must be an ldap:// (with startTls) or ldaps:// URL'),
  bindDn: z.string().min(1),
  bindPassword: z.string().min(1).describe('password of bindDn'),
  caFile: z.string().min(1).optional().describe("PEM of the CA that issued the domain controller's certificate"),
  startTls: z.boolean().optional().describe('upgrade an ldap:// connection with StartTLS before binding'),
  tlsServerName: z.string().min(1).optional().describe("the name the DC's certificate is checked against, when the URL names it by address"),
  usersDn: z.string().min(1).describe('the OU new accounts go to when placement names no other'),
  groupsDn: z.string().min(1).describe("the container of muster's groups (global security groups, cn=<entitlement>)"),
  searchBaseDn: z.string().min(1).optional().describe('where an account is looked up by its login (subtree); default the domain of usersDn'),
  upnSuffix: z.string().min(1).describe('userPrincipalName is <login>@<upnSuffix>'),
  samPattern: z.string().min(1).default('{key}').describe('sAMAccountName pattern over {key}, {given}, {family}, {g}: cut to 20 characters, numbered on collision'),
  managerOnLeave: z
    .enum(['keep', 'clear'])
    .default('keep')
    .describe("when a manager's account is disabled (the manager left): the reports' accounts keep naming it until the MUR names another manager (keep), or name none (clear)"),
  correlationAttribute: z.string().min(1).default('employeeNumber').describe("the attribute that carries muster's correlation value (the identity id; employeeID holds 16 characters at most)"),
  placement: z
    .strictObject({
      field: z.enum(['displayName', 'givenName', 'familyName', 'email', 'title', 'department', 'userType']),
      ous: z.record(z.string(), z.string().min(1)),
    })
    .optional()
    .describe('the OU per value of an account field (a component per department); other values go to usersDn'),
  disabledDn: z.string().min(1).optional().describe('disabled accounts (leavers) are moved to this OU, and back when enabled'),
  smartcardRequired: z.boolean().default(false).describe('new accounts get SMARTCARD_REQUIRED: PIV logon only'),
  rangeSize: z.number().int().min(1).max(5000).default(1500).describe("values per ranged read of a large group's members"),
  connections: z.number().int().min(1).max(16).default(4).describe('bound connections the calls are spread over'),
  ...common,
});

const scimAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.strictObject({
    type: z.literal('oauth'),
    tokenUrl: z.string().url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z.string().optional(),
  }),
]);

const scimTarget = z.strictObject({
  kind: z.literal('scim'),
  baseUrl: z.string().url().describe('SCIM 2.0 service root, e.g. https://app.example/scim/v2'),
  auth: scimAuth,
  pageSize: z.number().int().min(1).max(1000).default(200),
  ...common,
});

const ticketTarget = z.strictObject({
  kind: z.literal('ticket'),
  webhookUrl: z.string().url().describe('ITSM endpoint that receives each request as JSON'),
  secret: z.string().min(16).describe('shared secret: signs each request (HMAC-SHA-256) and authenticates the closing callback'),
  escalateAfterHours: z.number().positive().default(72).describe('an open ticket older than this is escalated'),
  escalationUrl: z.string().url().optional().describe('where escalations go; default webhookUrl'),
  callbackBase: z.string().url().optional().describe("muster's public base URL, to which the ITSM posts the closing callback (/hooks/tickets/<id>/close)"),
  ...common,
});

export const targetSchema = z.discriminatedUnion('kind', [ldapTarget, adTarget, scimTarget, ticketTarget]);
export type TargetConfig = z.infer<typeof targetSchema>;

export const targetsSchema = z
  .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _, at most 32'), targetSchema)
  .default({})
  .describe('downstream systems muster provisions accounts into');

export const lifecycleSchema = z.strictObject({
  archiveAfterDays: z.number().int().min(0).default(90).describe("days a leaver's accounts stay disabled before they are archived (kept, never deleted)"),
  orphans: z
    .strictObject({
      action: z.enum(['report', 'disable']).default('report').describe('what reconciliation does with an account no identity owns'),
      archiveAfterDays: z.number().int().min(0).default(30).describe('days a disabled orphan waits before it is archived'),
    })
    .prefault({}),
  memberships: z
    .strictObject({
      action: z.enum(['report', 'remove']).default('report').describe('what reconciliation does with a group membership a linked account holds in the target that muster neither granted nor made'),
    })
    .prefault({}),
  provisioning: z
    .strictObject({
      pollMs: z.number().int().min(10).default(250),
      batchSize: z.number().int().min(1).max(5000).default(200).describe('operations claimed per target per round'),
      maxAttempts: z.number().int().min(1).default(10).describe('failed attempts (not counting an open circuit) before an operation is dead-lettered'),
      breaker: z
        .strictObject({
          failures: z.number().int().min(1).default(5).describe('consecutive failures that open a target circuit'),
          openSeconds: z.number().positive().default(30).describe('how long an open circuit waits before one trial call'),
        })
        .prefault({}),
    })
    .prefault({}),
});
