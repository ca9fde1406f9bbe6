import { MusterError } from '../../core/errors.ts';
import { randomBytes } from 'node:crypto';
import { errors, type AdapterPayload, type Client, type ClientMetadata, type KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../../core/clock.ts';
import type { AgreementRelyingParty } from '../../core/federation/agreement.ts';
import type { Fal } from '../../core/federation/profile.ts';
import { agreementById, agreementOfClient, type AgreementService, type ClientAgreement } from '../../federation/agreements.ts';
import { sectorOf } from '../../federation/subjects.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { storedPayload, upsertPayload, type ClientSource } from './adapter.ts';
import { FAL1_ENCRYPTION, falFlows, isFal } from './fal.ts';

/**
 * The OP's clients come only from trust agreements: an agreement's RP entry becomes client metadata, and a
 * dynamically registered client is served only while the agreement it was registered under is active. A suspended
 * or ended agreement's clients are unknown at the next request.
 */

/** Client metadata muster adds: the FAL, the agreement, how the client was registered, and (agreement clients) the pairwise sector. */
export const MUSTER_CLIENT_METADATA = ['fal', 'agreement_id', 'registration', 'sector'] as const;
export const REGISTRATION_POLICY = 'agreement';
const DEFAULT_REGISTRATION_TOKEN_TTL = 7 * 86_400;

/** A reserved host (RFC 6761 `.invalid`) naming muster's sector to oidc-provider; never fetched (see provider.ts). */
const SECTOR_HOST = 'https://sector.invalid/';

/**
 * The sector_identifier_uri oidc-provider is given. muster derives pairwise subjects from the agreement's sector
 * (`sector`), not from oidc-provider's; but oidc-provider insists on an https sector_identifier_uri for a pairwise
 * client whose redirect URIs are on more than one host (a loopback `http://127.0.0.1/…` beside an `https://…` one),
 * and refused every request of such a client. It gets the agreement's https URI, or a reserved name of the sector.
 */
function providerSector(rp: AgreementRelyingParty): { sector_identifier_uri?: string } {
  if (rp.sectorIdentifierUri?.startsWith('https://')) return { sector_identifier_uri: rp.sectorIdentifierUri };
  const hosts = new Set(rp.redirectUris.map((uri) => new URL(uri).host));
  if (hosts.size <= 1) return {};
  return { sector_identifier_uri: `${SECTOR_HOST}${encodeURIComponent(sectorOf(rp.clientId, rp.sectorIdentifierUri))}` };
}

/** OIDC client metadata for an RP entry of an agreement. */
export function rpClientMetadata(agreementId: string, rp: AgreementRelyingParty, signalling = false): ClientMetadata {
  const keys = rp.jwks ? { jwks: rp.jwks } : rp.jwksUri ? { jwks_uri: rp.jwksUri } : {};
  return {
    client_id: rp.clientId,
    client_name: rp.name,
    redirect_uris: [...rp.redirectUris],
    post_logout_redirect_uris: [...rp.postLogoutRedirectUris],
    token_endpoint_auth_method: rp.tokenEndpointAuthMethod,
    ...(rp.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: rp.tlsClientAuthSubjectDn } : {}),
    ...(rp.backchannelLogoutUri ? { backchannel_logout_uri: rp.backchannelLogoutUri, backchannel_logout_session_required: rp.backchannelLogoutSessionRequired } : {}),
    ...keys,
    subject_type: 'pairwise',
    ...providerSector(rp),
    sector: sectorOf(rp.clientId, rp.sectorIdentifierUri),
    ...falFlows(rp.fal),
    // receivers of shared signals get tokens for the stream management API
    ...(signalling ? { grant_types: [...falFlows(rp.fal).grant_types, 'client_credentials'] } : {}),
    ...(rp.fal === 'fal1' ? { id_token_encrypted_response_alg: FAL1_ENCRYPTION.alg, id_token_encrypted_response_enc: FAL1_ENCRYPTION.enc } : {}),
    fal: rp.fal,
    agreement_id: agreementId,
    registration: 'agreement',
  };
}

/** The metadata of a client whose agreement is active; undefined for any other id. */
export async function clientMetadata(db: Queryable, clientId: string): Promise<AdapterPayload | undefined> {
  const found = await agreementOfClient(db, clientId);
  if (!found) return undefined;
  if (found.registration === 'agreement' && found.rp) return rpClientMetadata(found.agreement.id, found.rp, found.agreement.document.signals.length > 0);
  const stored = await storedPayload(db, 'Client', clientId);
  return stored && stored.agreement_id === found.agreement.id ? stored : undefined;
}

const metadataByClient = new WeakMap<Client, Readonly<ClientMetadata>>();

/**
 * A client's metadata, read once per client object: oidc-provider's `client.metadata()` renames every property anew
 * at each call, and a sign-in asks for it several times. oidc-provider keeps one object per distinct metadata, so a
 * changed agreement gives a new object and is read afresh.
 */
export function metadataOf(client: Client): Readonly<ClientMetadata> {
  let metadata = metadataByClient.get(client);
  if (!metadata) {
    metadata = Object.freeze(client.metadata());
    metadataByClient.set(client, metadata);
  }
  return metadata;
}

/** The FAL a client is held to: its agreement entry's, or the one it registered with. */
export function falOfClient(found: ClientAgreement, stored?: Readonly<Record<string, unknown>>): Fal {
  if (found.rp) return found.rp.fal;
  return isFal(stored?.fal) ? stored.fal : 'fal2';
}

/** The adapter's client source: agreements for lookups, this table and the agreement link for dynamic registrations. */
export function agreementClients(store: Queryable, agreements: AgreementService): ClientSource {
  return {
    find: (clientId) => clientMetadata(store, clientId),
    async save(tx, clientId, metadata) {
      await upsertPayload(tx, 'Client', clientId, metadata, null);
      await agreements.registerDynamicClient(tx, clientId, String(metadata.agreement_id ?? ''));
    },
  };
}

/**
 * An initial access token for dynamic registration under one agreement: whoever holds it may register one or more
 * clients that belong to that agreement (pairwise subjects, FAL2 at most). Returns the token to hand to the RP.
 */
export async function mintRegistrationToken(store: Store, clock: Clock, agreementId: string, ttlSeconds = DEFAULT_REGISTRATION_TOKEN_TTL): Promise<string> {
  const agreement = await agreementById(store, agreementId);
  if (!agreement || agreement.status !== 'active' || !agreement.document.dynamicRegistration) {
    throw new MusterError('MUSTER_ERR_AGREEMENT', `trust agreement '${agreementId}' is not active or does not allow dynamic registration`, [
      { field: 'dynamicRegistration', value: agreementId, message: 'not active, or dynamicRegistration is false' },
    ]);
  }
  const jti = randomBytes(32).toString('base64url');
  const iat = Math.floor(clock.now().getTime() / 1000);
  const payload = { jti, iat, exp: iat + ttlSeconds, kind: 'InitialAccessToken', policies: [REGISTRATION_POLICY], agreementId };
  await upsertPayload(store, 'InitialAccessToken', jti, payload, new Date((iat + ttlSeconds) * 1000));
  return jti;
}

/**
 * The registration policy: the client joins the agreement its initial access token was minted for, gets pairwise
 * subjects, and may not ask for FAL3 (or a FAL outside the agreement's range).
 */
export function registrationPolicy(store: Store): (ctx: KoaContextWithOIDC, properties: Record<string, unknown>) => Promise<void> {
  return async (ctx, properties) => {
    const jti = (ctx.oidc.entities.InitialAccessToken as { jti?: string } | undefined)?.jti ?? '';
    const token = await storedPayload(store, 'InitialAccessToken', jti);
    const agreement = await agreementById(store, String(token?.agreementId ?? ''));
    if (!agreement || agreement.status !== 'active' || !agreement.document.dynamicRegistration) {
      throw new errors.InvalidClientMetadata('the trust agreement of this initial access token is not active or allows no dynamic registration');
    }
    if (properties.subject_type !== undefined && properties.subject_type !== 'pairwise')
      throw new errors.InvalidClientMetadata('subject_type must be pairwise: each relying party gets its own subject identifiers');
    const fal = properties.fal ?? 'fal2';
    if (!isFal(fal) || fal === 'fal3') throw new errors.InvalidClientMetadata('dynamic registration allows fal1 or fal2 only');
    const { min, max } = agreement.document.assurance.fal;
    if (fal < min || fal > max) throw new errors.InvalidClientMetadata(`the trust agreement allows ${min}–${max}; ${fal} was asked for`);
    delete properties.sector;
    Object.assign(properties, { subject_type: 'pairwise', fal, agreement_id: agreement.id, registration: 'dynamic' });
    if (properties.response_types === undefined) Object.assign(properties, falFlows(fal));
  };
}
