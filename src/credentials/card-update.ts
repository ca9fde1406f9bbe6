import { MusterError } from '../core/errors.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import { X509Certificate } from '../pki/x509.ts';
import type { Tx } from '../store/store.ts';
import { cardKeyRefusal } from './card-keys.ts';
import { cardCertificateEnd } from './cards.ts';
import { subjectNameRefusal, type Refusal } from './prerequisites.ts';
import { goodCertificateDers, goodSerials } from './certificate-repository.ts';
import { issueCardCertificates, storeCertificates, type StoredCertificate } from './certificates.ts';
import { revokeCertificates, type CredentialRow } from './credential-repository.ts';
import type { CardDeps, PivCardRequest } from './types.ts';

export interface CardUpdate {
  /** A new PIV Authentication key's CSR (e.g. after a name change, or a key rollover). */
  readonly pivAuthCsr?: string | Uint8Array;
  readonly cardAuthCsr?: string | Uint8Array;
  readonly reason: string;
}

const PROFILE_OF = { pivAuthCsr: 'piv-auth', cardAuthCsr: 'card-auth' } as const;

/**
 * FIPS 201-3 §2.9.2 post-issuance update: new certificates on the same card — same FASC-N and card UUID, never past
 * the card's expiry — for the keys named, with the subject taken from the MUR as it is now; the certificates they
 * replace are revoked (superseded). A new key must pass the issuance key checks and differ from the card's other
 * key. Returns the change set to commit, or the refusal.
 */
export async function updateCardCertificates(
  tx: Tx,
  deps: CardDeps,
  card: CredentialRow,
  update: CardUpdate,
  actor: string,
  now: Date,
): Promise<{ changes: ChangeSet; issued: StoredCertificate[] } | { refusal: Refusal }> {
  if (card.status !== 'active')
    throw new MusterError('MUSTER_ERR_CREDENTIAL_STATE', `card ${card.id} is ${card.status}; only an active card is updated`, [{ field: 'status', value: card.status, message: 'must be active' }]);
  const profiles = (Object.keys(PROFILE_OF) as (keyof typeof PROFILE_OF)[]).filter((k) => update[k] !== undefined);
  if (profiles.length === 0) throw new MusterError('MUSTER_ERR_VALIDATION', 'a post-issuance update needs pivAuthCsr, cardAuthCsr or both', [{ field: 'pivAuthCsr', message: 'required' }]);
  const identity = (await loadIdentities(tx, [card.identity_id])).get(card.identity_id) as IdentityState;
  const csrs = profiles.map((k) => ({ field: k, csr: update[k] as string | Uint8Array }));
  const validUntil = cardCertificateEnd(now, new Date(card.expires_at as Date));
  const keys = await cardKeyRefusal(
    tx,
    card.identity_id,
    csrs,
    await keptKeys(
      tx,
      card.id,
      profiles.map((k) => PROFILE_OF[k]),
    ),
    validUntil,
  );
  const refusal = keys.refusal ?? (profiles.includes('pivAuthCsr') ? subjectNameRefusal(identity) : null);
  if (refusal) return { refusal };
  const request = { identityId: card.identity_id, expiresAt: new Date(card.expires_at as Date), pivAuthCsr: update.pivAuthCsr ?? '', cardAuthCsr: update.cardAuthCsr ?? '' } as PivCardRequest;
  const ids = { credentialId: card.id, cardUuid: String(card.reference), fascn: new Uint8Array(Buffer.from(String(card.details.fascn), 'hex')) };
  const all = await issueCardCertificates(
    deps,
    identity,
    request,
    ids,
    profiles.map((k) => PROFILE_OF[k]),
  );
  await revokeCertificates(
    tx,
    [card.id],
    'superseded',
    now,
    await currentSerials(
      tx,
      card.id,
      all.map((c) => c.profile),
    ),
  );
  await storeCertificates(tx, deps.ca.name, card.identity_id, card.id, all);
  const changes = new ChangeSet();
  const payload = { credential_id: card.id, card_uuid: card.reference, reason: update.reason, issued: all.map((c) => ({ profile: c.profile, serial: c.serial })) };
  changes.events.push({
    type: 'credential.updated',
    identityId: card.identity_id,
    payload,
    audit: { actor, action: 'credential.updated', target: card.identity_id, reason: `post-issuance update of card ${card.reference}: ${update.reason}`, data: payload },
  });
  return { changes, issued: all };
}

/** Public keys of the card's current certificates that the update keeps: a new key may not repeat one of them. */
async function keptKeys(tx: Tx, credentialId: string, replaced: readonly string[]): Promise<Uint8Array[]> {
  const ders = await goodCertificateDers(tx, credentialId, replaced);
  return ders.map((der) => new Uint8Array(new X509Certificate(new Uint8Array(der)).publicKey.rawData));
}

async function currentSerials(tx: Tx, credentialId: string, profiles: readonly string[]): Promise<string[]> {
  return goodSerials(tx, credentialId, profiles);
}
