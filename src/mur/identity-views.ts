import type { Hold } from './holds.ts';
import type { OperatorRoleView } from './operator-roles.ts';
import type { Selectable } from 'kysely';
import type { CredentialView } from '../core/credential/view.ts';
import type { AccountsTable, BehaveTable, CredentialsTable, EntitlementsTable, PrivilegesTable, SourceLinksTable, StatusHistoryTable, TrustTable } from '../store/database.ts';

/** What the read side of the Master User Record shows: lists of identities and the single view of one, and how rows become them. */

export interface IdentityFilter {
  readonly status?: string | undefined;
  readonly kind?: string | undefined;
  readonly userType?: string | undefined;
  readonly department?: string | undefined;
  readonly component?: string | undefined;
  /** Case-insensitive prefix of the full, given or family name, the email, the employee id or an NPE's npe_id. */
  readonly q?: string | undefined;
  /** TRUST eligibility (favorable, interim, pending, unfavorable); `none` also matches no TRUST record */
  readonly trust?: string | undefined;
  /** holds an active credential of this kind (piv, derived-pki, fido2), or `none`: no active phishing-resistant credential */
  readonly credential?: string | undefined;
  /** `lapsed`: a training record overdue or expired; `current`: none lapsed (needs `today`) */
  readonly training?: string | undefined;
  /** holds a privileged entitlement or account, a PRIV record or an operator role */
  readonly privileged?: boolean | undefined;
  /** YYYY-MM-DD, from the clock: what `training` is judged against */
  readonly today?: string | undefined;
  readonly limit?: number | undefined;
  /** Opaque; from the `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface IdentitySummary {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly employeeId: string | null;
  readonly fullName: string | null;
  readonly email: string | null;
  readonly department: string | null;
  readonly component: string | null;
  readonly userType: string | null;
  readonly homeAgency: string | null;
  readonly lastUpdated: string;
}

export interface IdentityPage {
  readonly items: IdentitySummary[];
  readonly nextCursor?: string;
}

export interface AttributeView {
  readonly name: string;
  readonly value: unknown;
  readonly source: string | null;
  readonly sourceRecord: string | null;
  readonly observedAt: string | null;
}

export interface SourceLinkView {
  readonly source: string;
  readonly sourceKey: string;
  readonly observedAt: string;
}

export interface StatusChangeView {
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly reason: string;
  readonly source: string;
  readonly eventId: number | null;
  readonly at: string;
}

export interface TrustView {
  readonly eligibility: string;
  readonly status: string;
  readonly investigationType: string | null;
  readonly adjudicationDate: string | null;
  readonly continuousVetting: boolean;
  readonly source: string;
  readonly sourceRecord: string;
  readonly observedAt: string;
}

export interface BehaveView {
  readonly course: string;
  readonly status: string;
  readonly completed: string | null;
  readonly expires: string | null;
  readonly source: string;
  readonly sourceRecord: string;
  readonly observedAt: string;
}

export type { CredentialView };

export interface AccountView {
  readonly id: string;
  readonly target: string;
  readonly accountRef: string;
  readonly status: string;
  readonly privileged: boolean;
  readonly details: Record<string, unknown>;
  readonly updatedAt: string;
}

export interface PrivilegeView {
  readonly id: string;
  readonly privilegeType: string;
  readonly status: string;
  readonly system: string;
  readonly updatedAt: string;
}

export interface EntitlementView {
  readonly id: string;
  readonly target: string;
  readonly entitlement: string;
  readonly entitlementType: string;
  readonly reason: string;
  readonly grantedAt: string;
}

/** The single view of one identity: the record, every attribute with its provenance, and every CDM object. */
export interface IdentityView {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly sponsorId: string | null;
  readonly expiresAt: string | null;
  readonly lastUpdated: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly attributes: AttributeView[];
  readonly sourceLinks: SourceLinkView[];
  readonly statusHistory: StatusChangeView[];
  readonly trust: TrustView | null;
  readonly behave: BehaveView[];
  readonly credentials: CredentialView[];
  readonly accounts: AccountView[];
  readonly privileges: PrivilegeView[];
  readonly entitlements: EntitlementView[];
  readonly sponsor: IdentitySummary | null;
  readonly sponsored: IdentitySummary[];
  readonly flags: string[];
  /** Holds placed on the identity, newest first; an active one has no releasedAt. */
  readonly holds: Hold[];
  /** Operator roles granted to the identity, oldest first; those held now have no revokedAt (docs/operators.md). */
  readonly operatorRoles: OperatorRoleView[];
}

/** A row of the identity summary columns (identity-repository.ts selects them). */
export interface SummaryRow {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly employee_id: string | null;
  readonly full_name: string | null;
  readonly email: string | null;
  readonly department: string | null;
  readonly component: string | null;
  readonly user_type: string | null;
  readonly home_agency: string | null;
  readonly last_updated: Date;
}

export function summaryOf(row: SummaryRow): IdentitySummary {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    employeeId: text(row.employee_id),
    fullName: text(row.full_name),
    email: text(row.email),
    department: text(row.department),
    component: text(row.component),
    userType: text(row.user_type),
    homeAgency: text(row.home_agency),
    lastUpdated: isoRequired(row.last_updated),
  };
}

interface StoredAttribute {
  v?: unknown;
  s?: unknown;
  r?: unknown;
  t?: unknown;
}

export function attributesOf(value: unknown): AttributeView[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, StoredAttribute>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, a]) => ({ name, value: a?.v ?? null, source: text(a?.s), sourceRecord: text(a?.r), observedAt: text(a?.t) }));
}

export function sourceLinkOf(row: Pick<Selectable<SourceLinksTable>, 'source' | 'source_key' | 'observed_at'>): SourceLinkView {
  return { source: row.source, sourceKey: row.source_key, observedAt: isoRequired(row.observed_at) };
}

export function statusChangeOf(row: Selectable<StatusHistoryTable>): StatusChangeView {
  return {
    fromStatus: text(row.from_status),
    toStatus: row.to_status,
    reason: row.reason,
    source: row.source,
    eventId: row.event_id,
    at: isoRequired(row.at),
  };
}

export function trustOf(row: (Selectable<TrustTable> & { adjudication_day: string | null }) | undefined): TrustView | null {
  if (!row) return null;
  return {
    eligibility: row.eligibility,
    status: row.status,
    investigationType: text(row.investigation_type),
    adjudicationDate: text(row.adjudication_day),
    continuousVetting: row.continuous_vetting,
    source: row.source,
    sourceRecord: row.source_record,
    observedAt: isoRequired(row.observed_at),
  };
}

export function behaveOf(row: Selectable<BehaveTable> & { completed_day: string | null; expires_day: string | null }): BehaveView {
  return {
    course: row.course,
    status: row.status,
    completed: row.completed_day,
    expires: row.expires_day,
    source: row.source,
    sourceRecord: row.source_record,
    observedAt: isoRequired(row.observed_at),
  };
}

export function credentialOf(row: Selectable<CredentialsTable>): CredentialView {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    reference: text(row.reference),
    details: objectOf(row.details),
    issuedAt: iso(row.issued_at),
    expiresAt: iso(row.expires_at),
    updatedAt: isoRequired(row.updated_at),
  };
}

export function accountOf(row: Selectable<AccountsTable>): AccountView {
  return {
    id: row.id,
    target: row.target,
    accountRef: row.account_ref,
    status: row.status,
    privileged: row.privileged,
    details: objectOf(row.details),
    updatedAt: isoRequired(row.updated_at),
  };
}

export function privilegeOf(row: Selectable<PrivilegesTable>): PrivilegeView {
  return { id: row.id, privilegeType: row.privilege_type, status: row.status, system: row.system, updatedAt: isoRequired(row.updated_at) };
}

export function entitlementOf(row: Selectable<EntitlementsTable>): EntitlementView {
  return {
    id: row.id,
    target: row.target,
    entitlement: row.entitlement,
    entitlementType: row.entitlement_type,
    reason: row.reason,
    grantedAt: isoRequired(row.granted_at),
  };
}

export function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

export function isoRequired(value: unknown): string {
  return iso(value) ?? '';
}

export function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
