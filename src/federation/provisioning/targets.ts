import type { AgreementRelyingParty, AgreementDocument } from '../../core/federation/agreement.ts';
import type { IdentityState } from '../../core/identity/record.ts';
import type { Queryable, Row } from '../../store/store.ts';
import { agreementById, type AgreementVersion } from '../agreements.ts';
import { inPopulation } from './population.ts';
import type { ProvisioningRecord } from './records.ts';
import type { RpScim } from './rp-service.ts';

/** A relying party with a provisioning API, under its agreement, and whether the agreement now covers the identity. */
export interface ProvisioningTarget {
  readonly agreement: AgreementVersion;
  readonly rp: AgreementRelyingParty & { readonly scim: RpScim };
  readonly covered: boolean;
}

const NEWEST = 'SELECT DISTINCT ON (id) * FROM trust_agreements ORDER BY id, version DESC';

function versionOf(row: Row): AgreementVersion {
  return {
    id: row.id as string,
    version: Number(row.version),
    status: row.status as AgreementVersion['status'],
    document: row.document as AgreementDocument,
    author: row.author as string,
    reason: row.reason as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}

/** The RPs of an agreement that have a provisioning API. */
export function provisionedParties(document: AgreementDocument): ProvisioningTarget['rp'][] {
  return document.relyingParties.filter((rp): rp is ProvisioningTarget['rp'] => rp.scim !== undefined);
}

/** Whether any active agreement names an RP with a provisioning API: without one, only identities already pushed somewhere have anything to push. */
export async function anyAgreementProvisions(db: Queryable): Promise<boolean> {
  return (await db.query(NEWEST)).map(versionOf).some((a) => a.status === 'active' && provisionedParties(a.document).length > 0);
}

/** Whether the agreement lets muster push to its RPs now. */
export function allowsProvisioning(agreement: AgreementVersion): boolean {
  return agreement.status === 'active' && agreement.document.provisioning.allowed;
}

function targetsUnder(agreement: AgreementVersion, identity: IdentityState, revoked: ReadonlySet<string>): ProvisioningTarget[] {
  const covered = allowsProvisioning(agreement) && inPopulation(identity, agreement.document);
  return provisionedParties(agreement.document).map((rp) => ({ agreement, rp, covered: covered && !revoked.has(revocationKey(agreement.id, rp.clientId)) }));
}

const revocationKey = (agreementId: string, clientId: string) => `agreement:${agreementId}/${clientId}`;

/** The relying parties a certification campaign took the identity's access to away (until lifted), as `agreement:<id>/<client>`. */
async function revokedRelyingParties(db: Queryable, identityId: string): Promise<Set<string>> {
  const rows = await db.query<{ key: string }>(
    `SELECT target || '/' || entitlement AS key FROM access_revocations WHERE identity_id = $1 AND lifted_at IS NULL AND starts_with(target, 'agreement:')`,
    [identityId],
  );
  return new Set(rows.map((r) => r.key));
}

async function agreementOfClientAnyStatus(db: Queryable, clientId: string): Promise<AgreementVersion | undefined> {
  const [link] = await db.query<{ agreement_id: string }>('SELECT agreement_id FROM federation_clients WHERE client_id = $1', [clientId]);
  return link ? agreementById(db, link.agreement_id) : undefined;
}

export interface IdentityTargets {
  readonly targets: ProvisioningTarget[];
  /** Clients holding an account of the identity whose provisioning API is no longer on record: nothing can be pushed to them. */
  readonly unreachable: string[];
}

/**
 * Every RP the identity should have an account at (active agreements that allow provisioning, when their
 * population covers it), and every RP that holds one it should no longer have. A suspended agreement is left
 * alone: its RPs can sign no one in meanwhile, and its accounts wait for it to be reactivated or ended. An RP a
 * certification campaign revoked the identity's access to is not covered until the revocation is lifted.
 * `onlyAgreement` limits the answer to one agreement (a full push of that agreement).
 */
export async function targetsOf(db: Queryable, identity: IdentityState, records: ReadonlyMap<string, ProvisioningRecord>, onlyAgreement?: string): Promise<IdentityTargets> {
  const newest = (await db.query(NEWEST)).map(versionOf).filter((a) => onlyAgreement === undefined || a.id === onlyAgreement);
  const revoked = await revokedRelyingParties(db, identity.id);
  const targets = newest.filter((a) => a.status === 'active').flatMap((a) => targetsUnder(a, identity, revoked));
  const known = new Set(targets.map((t) => t.rp.clientId));
  const unreachable: string[] = [];
  for (const [clientId, record] of records) {
    if (known.has(clientId) || (record.state === 'terminated' && record.remoteId === null)) continue;
    const agreement = await agreementOfClientAnyStatus(db, clientId);
    if (agreement?.status === 'suspended' || (onlyAgreement !== undefined && agreement?.id !== onlyAgreement)) continue;
    const rp = agreement ? provisionedParties(agreement.document).find((r) => r.clientId === clientId) : undefined;
    if (agreement && rp) targets.push({ agreement, rp, covered: false });
    else unreachable.push(clientId);
  }
  return { targets, unreachable };
}
