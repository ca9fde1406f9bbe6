import { z } from '@hono/zod-openapi';
import { IDENTITY_KINDS, USER_TYPES } from '../../core/identity/kinds.ts';
import { IDENTITY_STATUSES } from '../../core/identity/status.ts';
import { CREDENTIAL_FILTERS, TRAINING_FILTERS } from '../../mur/identity-facets.ts';
import { TRUST_FILTERS } from '../../mur/identity-filters.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../mur/identity-repository.ts';
import { Uuid, queryInt } from '../schemas.ts';

const nullableText = z.string().nullable();
const time = z.string().openapi({ format: 'date-time' });
const nullableTime = time.nullable();
const day = z.string().nullable().openapi({ format: 'date' });

export const IdentityListQuery = z.strictObject({
  status: z.enum(IDENTITY_STATUSES).optional(),
  kind: z.enum(IDENTITY_KINDS).optional(),
  userType: z.enum(USER_TYPES).optional(),
  department: z.string().min(1).max(128).optional().openapi({ description: 'exact department name' }),
  component: z.string().min(1).max(128).optional().openapi({ description: 'exact component name' }),
  q: z.string().max(256).optional().openapi({ description: 'case-insensitive prefix of a name, the email or the employee id' }),
  trust: z.enum(TRUST_FILTERS).optional().openapi({ description: 'TRUST eligibility; none also matches no TRUST record' }),
  credential: z
    .enum(Object.keys(CREDENTIAL_FILTERS) as [keyof typeof CREDENTIAL_FILTERS])
    .optional()
    .openapi({ description: 'holds an active credential of this kind, or none of them' }),
  training: z.enum(TRAINING_FILTERS).optional().openapi({ description: 'lapsed: a course overdue or expired; current: none lapsed' }),
  privileged: z.enum(['true', 'false']).optional().openapi({ description: 'true: holds a privileged entitlement or account, a PRIV record or an operator role' }),
  limit: queryInt(1, MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `page size, default ${DEFAULT_PAGE_SIZE}` }),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
});

export const IdentityParams = z.object({ id: Uuid.openapi({ param: { name: 'id', in: 'path' }, example: '0b7c4e2a-5d0e-4f7a-9a51-6d1c1e0f4b10' }) });

export const IdentitySummary = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.string(),
    employeeId: nullableText,
    fullName: nullableText,
    email: nullableText,
    department: nullableText,
    component: nullableText,
    userType: nullableText,
    homeAgency: nullableText,
    lastUpdated: time,
  })
  .openapi('IdentitySummary');

export const IdentityPage = z.object({ items: z.array(IdentitySummary), nextCursor: z.string().optional() }).openapi('IdentityPage');

const Attribute = z.object({ name: z.string(), value: z.any(), source: nullableText, sourceRecord: nullableText, observedAt: nullableText }).openapi('Attribute');
const SourceLink = z.object({ source: z.string(), sourceKey: z.string(), observedAt: time });
const StatusChange = z.object({ fromStatus: nullableText, toStatus: z.string(), reason: z.string(), source: z.string(), eventId: z.number().int().nullable(), at: time });
const provenance = { source: z.string(), sourceRecord: z.string(), observedAt: time };
const Trust = z.object({
  eligibility: z.string(),
  status: z.string(),
  investigationType: nullableText,
  adjudicationDate: day,
  continuousVetting: z.boolean(),
  ...provenance,
});
const Behave = z.object({ course: z.string(), status: z.string(), completed: day, expires: day, ...provenance });
const details = z.record(z.string(), z.any());
const Credential = z.object({ id: z.string(), type: z.string(), status: z.string(), reference: nullableText, details, issuedAt: nullableTime, expiresAt: nullableTime, updatedAt: time });
const Account = z.object({ id: z.string(), target: z.string(), accountRef: z.string(), status: z.string(), privileged: z.boolean(), details, updatedAt: time });
const Privilege = z.object({ id: z.string(), privilegeType: z.string(), status: z.string(), system: z.string(), updatedAt: time });
const Entitlement = z.object({ id: z.string(), target: z.string(), entitlement: z.string(), entitlementType: z.string(), reason: z.string(), grantedAt: time });

export const Hold = z
  .object({
    id: z.string(),
    identityId: z.string(),
    reason: z.string(),
    placedBy: z.string(),
    placedAt: z.string(),
    priorStatus: z.string().openapi({ description: 'the status before the hold' }),
    sourceStatus: z.string().nullable().openapi({ description: 'the status the authoritative source asked for while the hold stood; the status a release returns to' }),
    releasedBy: z.string().nullable(),
    releasedAt: z.string().nullable(),
    releaseReason: z.string().nullable(),
  })
  .openapi('IdentityHold');

const OperatorRole = z
  .object({
    role: z.string(),
    reason: z.string(),
    grantedBy: z.string(),
    grantedAt: time,
    revokedBy: z.string().nullable(),
    revokedAt: nullableTime,
    revokeReason: z.string().nullable(),
  })
  .openapi('OperatorRole');

export const IdentityView = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.string(),
    sponsorId: nullableText,
    expiresAt: nullableTime,
    lastUpdated: time,
    createdAt: time,
    updatedAt: time,
    version: z.number().int(),
    attributes: z.array(Attribute),
    sourceLinks: z.array(SourceLink),
    statusHistory: z.array(StatusChange),
    trust: Trust.nullable(),
    behave: z.array(Behave),
    credentials: z.array(Credential),
    accounts: z.array(Account),
    privileges: z.array(Privilege),
    entitlements: z.array(Entitlement),
    sponsor: IdentitySummary.nullable(),
    sponsored: z.array(IdentitySummary),
    flags: z.array(z.string()),
    holds: z.array(Hold).openapi({ description: 'holds placed on the identity, newest first; an active one has no releasedAt' }),
    operatorRoles: z.array(OperatorRole).openapi({ description: 'operator roles granted to the identity, oldest first; those held now have no revokedAt' }),
  })
  .openapi('IdentityView');
