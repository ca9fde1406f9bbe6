import type { AgreementDocument } from '../../../core/federation/agreement.ts';
import type { AuditWriter } from '../../../audit/writer.ts';
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
 * Forgets the identity's consent to the client (the subscriber withdrew it): the next sign-in there asks again.
 * Audited as `oidc.consent.withdrawn` by `actor`; true when a consent was remembered.
 */
export async function withdrawConsent(store: Store, audit: AuditWriter, withdrawal: { identityId: string; clientId: string; actor: string; correlationId: string }): Promise<boolean> {
  return store.transaction(async (tx) => {
    const removed = await tx.db.deleteFrom('federation_consents').where('identity_id', '=', withdrawal.identityId).where('client_id', '=', withdrawal.clientId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return false;
    const entry = {
      actor: withdrawal.actor,
      action: 'oidc.consent.withdrawn',
      target: withdrawal.identityId,
      reason: 'the subscriber withdrew their consent',
      data: { client_id: withdrawal.clientId },
    };
    await audit.append(tx, [entry], withdrawal.correlationId);
    return true;
  });
}
