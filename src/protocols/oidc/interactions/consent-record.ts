import type { AgreementDocument } from '../../../core/federation/agreement.ts';
import type { AuditWriter } from '../../../audit/writer.ts';
import { endRpAccess } from '../../../governance/index.ts';
import type { Queryable, Store } from '../../../store/store.ts';

/** An attribute the subscriber consents to release, with the purpose the agreement discloses. */
export interface ConsentedAttribute {
  readonly name: string;
  readonly purpose: string;
}

/** The agreement's attributes in a stable order, as consent is given and compared. */
export function attributesOf(document: AgreementDocument): ConsentedAttribute[] {
  return document.attributes.map((a) => ({ name: a.name, purpose: a.purpose })).sort((x, y) => x.name.localeCompare(y.name) || x.purpose.localeCompare(y.purpose));
}

const same = (a: readonly ConsentedAttribute[], b: readonly ConsentedAttribute[]): boolean => a.length === b.length && a.every((x, i) => x.name === b[i]?.name && x.purpose === b[i]?.purpose);

/** The attributes the identity last consented to for the client, if any. */
export async function consentOf(db: Queryable, identityId: string, clientId: string): Promise<ConsentedAttribute[] | undefined> {
  const [row] = await db.query<{ attributes: ConsentedAttribute[] }>('SELECT attributes FROM federation_consents WHERE identity_id = $1 AND client_id = $2', [identityId, clientId]);
  return row?.attributes;
}

/**
 * Whether the subscriber must be asked: the agreement wants runtime consent, and none is remembered for exactly its
 * current attributes and purposes (a changed agreement asks again).
 */
export async function consentNeeded(db: Queryable, identityId: string, clientId: string, document: AgreementDocument): Promise<boolean> {
  if (document.consent === 'allowlisted') return false;
  const given = await consentOf(db, identityId, clientId);
  return given === undefined || !same(given, attributesOf(document));
}

/** Remembers consent to the agreement's current attributes. */
export async function rememberConsent(db: Queryable, identityId: string, clientId: string, document: AgreementDocument, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO federation_consents (identity_id, client_id, attributes, granted_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (identity_id, client_id) DO UPDATE SET attributes = $3, granted_at = $4`,
    [identityId, clientId, JSON.stringify(attributesOf(document)), at],
  );
}

/** Whether any consent of the identity to the client is remembered (the question then says what changed). */
export async function consentRecorded(db: Queryable, identityId: string, clientId: string): Promise<boolean> {
  return (await consentOf(db, identityId, clientId)) !== undefined;
}

/**
 * The subscriber withdrew their consent to the client: it is forgotten (the next sign-in there asks again), the OP
 * sessions end at that relying party (a back-channel logout where it registered one) and the RP is told by shared
 * signals (CAEP session-revoked, where its agreement lists it), through an `rp.access-ended` event audited as
 * `oidc.consent.withdrawn` by `actor`. True when a consent was remembered.
 */
export async function withdrawConsent(store: Store, audit: AuditWriter, withdrawal: { identityId: string; clientId: string; actor: string; correlationId: string; now: Date }): Promise<boolean> {
  return store.transaction(async (tx) => {
    const [given] = await tx.query<{ agreement_id: string }>(
      `SELECT f.agreement_id FROM federation_consents c JOIN federation_clients f ON f.client_id = c.client_id WHERE c.identity_id = $1 AND c.client_id = $2 FOR UPDATE OF c`,
      [withdrawal.identityId, withdrawal.clientId],
    );
    if (!given) return false;
    const end = { identityId: withdrawal.identityId, agreementId: given.agreement_id, clientId: withdrawal.clientId, cause: { kind: 'consent-withdrawn' } as const };
    await endRpAccess(tx, [end], { actor: withdrawal.actor, now: withdrawal.now, correlationId: withdrawal.correlationId, audit });
    return true;
  });
}
