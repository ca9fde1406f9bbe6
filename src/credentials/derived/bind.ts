import { randomUUID } from 'node:crypto';
import type { AuditDraft } from '../../audit/chain.ts';
import { MusterError } from '../../core/errors.ts';
import { bindingSeparationRefusal } from '../../core/operators/separation.ts';
import { ChangeSet } from '../../mur/change-set.ts';
import { readCsr } from '../../pki/csr.ts';
import { createIssuer } from '../../pki/issue.ts';
import { OID } from '../../pki/oids.ts';
import type { Tx } from '../../store/store.ts';
import type { Actor } from '../card-service.ts';
import { certifiedKey } from '../card-keys.ts';
import { storeCertificates } from '../certificates.ts';
import { insertCredential, lockCredential } from '../credential-repository.ts';
import { separationError } from '../issuance-records.ts';
import { lockIdentity } from '../prerequisites.ts';
import { applyTransition } from '../transition.ts';
import { DERIVED_FIDO2, DERIVED_PKI, DERIVED_TYPES } from '../types.ts';
import { authenticatorIds, insertAuthenticator } from './authenticator-repository.ts';
import { consumeChallenge, createChallenge } from './challenge.ts';
import { verifyKeyAttestation } from './key-attestation.ts';
import { DERIVED_RECHECK_JOB } from './recheck.ts';
import { verifyPivProof, verifyPivSession, type ProvenCard } from './piv-proof.ts';
import type { BindingBase, CeremonyStart, DerivedCredential, DerivedDeps, Fido2BindingRequest, HolderPivSession, PkiBindingRequest } from './types.ts';
import { registrationOptions, verifyRegistration } from './webauthn/index.ts';

const DAY_MS = 86_400_000;

/** A credential row and what its binding event says, ready to commit. */
interface Bound {
  readonly credential: DerivedCredential;
  readonly details: Record<string, unknown>;
  readonly expiresAt: Date | null;
  readonly write: (tx: Tx) => Promise<void>;
}

/**
 * The Derived PIV binding ceremony (SP 800-157r1 §2.1): a one-time challenge, a fresh PIV Authentication signature
 * over it, then a PKI credential from the device's CSR or a FIDO2 authenticator registered in the same ceremony. A
 * copy of the PIV Authentication certificate is kept, its status is checked again `recheckDays` later, and the
 * holder is notified at the address on record. Every refusal is audited as `derived.refused`; nothing is bound.
 */
export class DerivedService {
  readonly #deps: DerivedDeps;

  constructor(deps: DerivedDeps) {
    this.#deps = deps;
  }

  async start(identityId: string, by: Actor): Promise<CeremonyStart> {
    const now = this.#deps.clock.now();
    return this.#deps.store.transaction(async (tx) => {
      const identity = await activePerson(tx, identityId);
      const challenge = await createChallenge(tx, identityId, now, this.#deps.challengeSeconds);
      const existing = await authenticatorIds(tx, identityId);
      const user = { identityId, name: String(identity.attributes.email?.v ?? identityId), displayName: String(identity.attributes.full_name?.v ?? identityId) };
      const webauthn = await registrationOptions(this.#deps.webauthn, user, challenge.challenge, existing);
      await this.#deps.audit.append(
        tx,
        [{ actor: by.actor, action: 'derived.challenge', target: identityId, reason: 'binding ceremony opened', data: { challenge_id: challenge.id, expires_at: challenge.expiresAt.toISOString() } }],
        by.correlationId,
      );
      return { challengeId: challenge.id, challenge: challenge.challenge, expiresAt: challenge.expiresAt, webauthn };
    });
  }

  /**
   * A Derived PIV Authentication certificate from the device's CSR: .41 when a key attestation proves the key is in
   * hardware, otherwise .40 — and a hardware claim without that proof is answered, and audited, as software.
   */
  bindPki(request: PkiBindingRequest, by: Actor, holder?: HolderPivSession): Promise<DerivedCredential> {
    return this.#bind(request, by, holder, DERIVED_PKI, async (tx, card, now) => {
      const { spki } = await readCsr(request.csr);
      const taken = await certifiedKey(tx, spki);
      if (taken)
        throw new MusterError('MUSTER_ERR_DERIVED_BINDING', `binding refused: the device key is already certified (certificate ${taken}); a Derived PIV credential needs its own key`, [
          { field: 'csr', message: 'key already certified' },
        ]);
      const verdict = await verifyKeyAttestation(request.keyAttestation, spki, this.#deps.keyAttestationRoots ?? [], now);
      const issuer = createIssuer({ ca: this.#deps.ca, clock: this.#deps.clock, urls: this.#deps.urls });
      const issued = await issuer.issue('derived-piv-auth', { spki, subject: card.subject, hardwareBacked: verdict.hardware });
      const policy = verdict.hardware ? OID.policyDerivedPivAuthHardware : OID.policyDerivedPivAuth;
      const claimed = request.hardwareBacked === true;
      const notice = !verdict.hardware && claimed ? `hardware was claimed but not proven (${verdict.reason}): issued as software, policy ${policy}` : undefined;
      const credentialId = randomUUID();
      const serial = issued.serial.toLowerCase();
      const credential: DerivedCredential = {
        credentialId,
        identityId: request.identityId,
        type: DERIVED_PKI,
        reference: serial,
        boundAt: now,
        pivSerial: card.serial,
        certificatePem: issued.pem,
        policy,
        hardwareAttested: verdict.hardware,
        ...(notice ? { notice } : {}),
      };
      const stored = { serial, profile: 'derived-piv-auth', der: issued.der, notBefore: issued.certificate.notBefore, notAfter: issued.certificate.notAfter };
      const write = (tx: Tx) => storeCertificates(tx, this.#deps.ca.name, request.identityId, credentialId, [stored]);
      const details = {
        policy,
        hardware_backed: verdict.hardware,
        hardware_claimed: claimed,
        hardware_attested: verdict.hardware,
        ...(verdict.hardware ? { attested_by: verdict.attestedBy } : { software_reason: verdict.reason }),
        ...(notice ? { notice } : {}),
      };
      return { credential, details, expiresAt: issued.certificate.notAfter, write };
    });
  }

  /** A FIDO2 authenticator registered in the ceremony, with its AAGUID, attestation and the AAL policy decided. */
  bindFido2(request: Fido2BindingRequest, by: Actor, holder?: HolderPivSession): Promise<DerivedCredential> {
    return this.#bind(request, by, holder, DERIVED_FIDO2, async (_tx, card, now, expected) => {
      const binding = await verifyRegistration(this.#deps.webauthn, request.registration, expected);
      const credentialId = randomUUID();
      const credential: DerivedCredential = {
        credentialId,
        identityId: request.identityId,
        type: DERIVED_FIDO2,
        reference: binding.credentialId,
        boundAt: now,
        pivSerial: card.serial,
        aaguid: binding.aaguid,
        aal: binding.aal,
        attestationFormat: binding.attestationFormat,
        attestationTrusted: binding.attestationTrusted,
      };
      const details = {
        aaguid: binding.aaguid,
        aal: binding.aal,
        attestation_format: binding.attestationFormat,
        attestation_trusted: binding.attestationTrusted,
        device_type: binding.deviceType,
        backed_up: binding.backedUp,
        user_verified: binding.userVerified,
        transports: binding.transports,
      };
      const write = async (tx: Tx) => {
        await insertAuthenticator(tx, {
          credential_id: binding.credentialId,
          credential: credentialId,
          identity_id: request.identityId,
          public_key: binding.publicKey,
          counter: binding.counter,
          aaguid: binding.aaguid,
          created_at: now,
        });
      };
      return { credential, details, expiresAt: null, write };
    });
  }

  /** Ends a derived credential (device lost or retired): its certificate revoked, its authenticator removed. */
  async terminate(credentialId: string, reason: 'lost' | 'stolen' | 'compromised' | 'withdrawn', by: Actor): Promise<void> {
    const revocationReason = reason === 'withdrawn' ? 'cessationOfOperation' : 'keyCompromise';
    const now = this.#deps.clock.now();
    await this.#deps.store.transaction(async (tx) => {
      const credential = await lockCredential(tx, credentialId);
      if (!credential || !DERIVED_TYPES.includes(credential.type))
        throw new MusterError('MUSTER_ERR_NOT_FOUND', `no Derived PIV credential ${credentialId}`, [{ field: 'credentialId', value: credentialId, message: 'not found' }]);
      const changes = await applyTransition(tx, {
        operation: 'terminate',
        credentials: [credential],
        actor: by.actor,
        why: `derived credential ${reason}`,
        revocationReason,
        details: { termination_reason: reason },
        now,
      });
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
    });
  }

  /**
   * `holder`: the holder binds their own credential in the console session they opened with their PIV card; the PIV
   * Authentication muster saw there is the proof, and separation of duties lets the holder bind (SP 800-157r1 §2.1).
   */
  async #bind(
    request: BindingBase,
    by: Actor,
    holder: HolderPivSession | undefined,
    type: string,
    make: (tx: Tx, card: ProvenCard, now: Date, challenge: string) => Promise<Bound>,
  ): Promise<DerivedCredential> {
    const now = this.#deps.clock.now();
    try {
      const separation = bindingSeparationRefusal(String(request.identityId), by.actor, { holderPivAuthenticated: holder !== undefined });
      if (separation) throw separationError(separation, 'the Derived PIV binding');
      const challenge = await this.#deps.store.transaction((tx) => consumeChallenge(tx, String(request.challengeId), request.identityId, now));
      return await this.#deps.store.transaction(async (tx) => {
        await activePerson(tx, request.identityId);
        const card = holder
          ? await verifyPivSession(tx, this.#deps.ca, request.identityId, holder.certThumbprint, now)
          : await verifyPivProof(tx, this.#deps.ca, request.identityId, challenge.challenge, { pivCertificate: request.pivCertificate ?? '', signature: request.signature ?? '' }, now);
        const made = await make(tx, card, now, challenge.challenge);
        const bound = { ...made, details: { ...made.details, piv_proof: holder ? 'holder-piv-session' : 'challenge-signature' } };
        await this.#insert(tx, bound, card, by, now);
        await bound.write(tx);
        await this.#record(tx, bound, card, by, now);
        return bound.credential;
      });
    } catch (error) {
      if (error instanceof MusterError && error.status < 500) await this.#auditRefusal(request, type, error, by);
      throw error;
    }
  }

  /** The credential row, with a copy of the PIV Authentication certificate it was bound with. */
  async #insert(tx: Tx, bound: Bound, card: ProvenCard, by: Actor, now: Date): Promise<void> {
    const c = bound.credential;
    const details = {
      ...bound.details,
      card_credential_id: card.cardCredentialId,
      card_uuid: card.cardUuid,
      piv_serial: card.serial,
      piv_certificate: Buffer.from(card.der).toString('base64'),
      bound_by: by.actor,
    };
    await insertCredential(tx, { id: c.credentialId, identity_id: c.identityId, type: c.type, status: 'active', reference: c.reference, details, issued_at: now, expires_at: bound.expiresAt });
  }

  async #record(tx: Tx, bound: Bound, card: ProvenCard, by: Actor, now: Date): Promise<void> {
    const c = bound.credential;
    const changes = new ChangeSet();
    const payload = { credential_id: c.credentialId, type: c.type, reference: c.reference, piv_serial: card.serial, card_uuid: card.cardUuid, ...bound.details };
    changes.events.push({
      type: 'credential.bound',
      identityId: c.identityId,
      payload,
      audit: { actor: by.actor, action: 'credential.bound', target: c.identityId, reason: `${c.type} bound after PIV Authentication with certificate ${card.serial}`, data: payload },
    });
    const runAfter = new Date(now.getTime() + this.#deps.recheckDays * DAY_MS);
    changes.scheduled.push({
      kind: DERIVED_RECHECK_JOB,
      key: `${DERIVED_RECHECK_JOB}:${c.credentialId}`,
      payload: { credentialId: c.credentialId, identityId: c.identityId, pivSerial: card.serial },
      runAfter,
    });
    await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
  }

  async #auditRefusal(request: BindingBase, type: string, error: MusterError, by: Actor): Promise<void> {
    const draft: AuditDraft = {
      actor: by.actor,
      action: 'derived.refused',
      target: String(request.identityId),
      reason: error.message,
      data: { type, code: error.code, challenge_id: String(request.challengeId), fields: error.details.map((d) => d.field ?? d.key ?? '') },
    };
    await this.#deps.store.transaction((tx) => this.#deps.audit.append(tx, [draft], by.correlationId));
  }
}

async function activePerson(tx: Tx, identityId: string) {
  const identity = await lockIdentity(tx, String(identityId));
  if (identity.kind !== 'person' || identity.status !== 'active') {
    throw new MusterError('MUSTER_ERR_DERIVED_BINDING', `binding refused: identity is ${identity.kind}, ${identity.status}; a Derived PIV credential needs an active person`, [
      { field: 'identityId', message: `${identity.status}` },
    ]);
  }
  return identity;
}
