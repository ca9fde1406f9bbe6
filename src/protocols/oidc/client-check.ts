import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { ClientMetadata, Provider } from 'oidc-provider';
import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import type { AgreementRelyingParty } from '../../core/federation/agreement.ts';
import type { AgreementClientCheck, AgreementProblem } from '../../federation/agreements.ts';
import type { Store } from '../../store/store.ts';
import { rpClientMetadata } from './clients.ts';
import { createProvider } from './provider.ts';

/**
 * An agreement's relying parties checked at save with the OP's own client validation (oidc-provider's client schema
 * under muster's configuration: FAL flows, implicit-flow redirect rules, keys, mutual TLS), so that an agreement is
 * never accepted that the OP then refuses. A refused URI is named by its field and index.
 */

export interface ClientCheckDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly config: MusterConfig;
}

/** The URI lists oidc-provider names in its messages, and the agreement fields they come from. */
const URI_FIELDS: readonly (readonly [metadata: string, field: keyof AgreementRelyingParty])[] = [
  ['post_logout_redirect_uris', 'postLogoutRedirectUris'],
  ['redirect_uris', 'redirectUris'],
];
/** Other metadata oidc-provider names first in its messages, and the agreement fields they come from. */
const FIELDS: Readonly<Record<string, keyof AgreementRelyingParty>> = {
  sector_identifier_uri: 'sectorIdentifierUri',
  jwks_uri: 'jwksUri',
  jwks: 'jwks',
  tls_client_auth_subject_dn: 'tlsClientAuthSubjectDn',
  backchannel_logout_uri: 'backchannelLogoutUri',
  post_logout_redirect_uris: 'postLogoutRedirectUris',
  redirect_uris: 'redirectUris',
};
const CHECK_ISSUER = 'https://client-check.muster.invalid/oidc';

let signingKey: Promise<JWK> | undefined;

/** A throwaway signing key: the checking provider never signs anything, but oidc-provider needs one. */
function checkKey(): Promise<JWK> {
  signingKey ??= generateKeyPair('RS256', { extractable: true }).then(async ({ privateKey }) => ({ ...(await exportJWK(privateKey)), kid: 'client-check', alg: 'RS256', use: 'sig' }));
  return signingKey;
}

/** The OP's client rules as an agreement check; the checking provider is built on first use. */
export function opClientCheck(deps: ClientCheckDeps): AgreementClientCheck {
  let provider: Promise<Provider> | undefined;
  const checking = () =>
    (provider ??= checkKey().then((key) =>
      createProvider({
        ...deps,
        issuer: CHECK_ISSUER,
        jwks: { keys: [key] },
        cookieKeys: ['client-check'],
        interactions: { url: () => '/interaction' },
      }),
    ));
  return async (id, document) => {
    const op = await checking();
    const signalling = document.signals.length > 0;
    const problems = await Promise.all(document.relyingParties.map((rp, i) => rpProblems(op, id, rp, i, signalling)));
    return problems.flat();
  };
}

async function rpProblems(op: Provider, id: string, rp: AgreementRelyingParty, i: number, signalling: boolean): Promise<AgreementProblem[]> {
  let metadata: ClientMetadata;
  try {
    metadata = rpClientMetadata(id, rp, signalling);
  } catch (error) {
    return [{ field: `relyingParties.${i}`, message: (error as Error).message }];
  }
  const refused = await refusalOf(op, metadata);
  if (refused === undefined) return [];
  for (const [key, field] of URI_FIELDS) {
    if (!refused.startsWith(key)) continue;
    const uris = metadata[key] as string[];
    const named = await Promise.all(
      uris.map(async (uri, j) => {
        const alone = await refusalOf(op, { ...metadata, [key]: [uri], ...(key === 'redirect_uris' ? {} : { redirect_uris: metadata.redirect_uris }) });
        return alone === undefined ? [] : [{ field: `relyingParties.${i}.${field}.${j}`, value: uri, message: `${uri}: ${alone}` }];
      }),
    );
    if (named.flat().length > 0) return named.flat();
  }
  const field = FIELDS[refused.split(' ')[0] ?? ''];
  return [{ field: field ? `relyingParties.${i}.${field}` : `relyingParties.${i}`, value: rp.clientId, message: refused }];
}

/** oidc-provider's answer to the metadata: undefined when it accepts it, else its error description. */
async function refusalOf(op: Provider, metadata: ClientMetadata): Promise<string | undefined> {
  try {
    await op.Client.validate(metadata);
    return undefined;
  } catch (error) {
    const e = error as { error_description?: string; message?: string };
    return e.error_description ?? e.message ?? String(error);
  }
}
