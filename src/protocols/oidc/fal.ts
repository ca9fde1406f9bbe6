import type { ResponseType } from 'oidc-provider';
import { FAL_VALUES, type Fal } from '../../core/federation/profile.ts';

/**
 * Federation assurance rules (SP 800-63C-4 §2, SP 800-217 §4) as OIDC client metadata and per-request checks.
 * FAL2 and FAL3: the code flow only (back channel), the client authenticated with private_key_jwt or
 * tls_client_auth, PKCE with S256, a nonce. FAL1: the front channel (`id_token`) only, the ID token encrypted to
 * the relying party's key.
 */

export const BACK_CHANNEL_AUTH_METHODS = ['private_key_jwt', 'tls_client_auth'] as const;
/** How a FAL1 ID token is encrypted to the relying party. */
export const FAL1_ENCRYPTION = Object.freeze({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });

export function isFal(value: unknown): value is Fal {
  return typeof value === 'string' && (FAL_VALUES as readonly string[]).includes(value);
}

/** The response and grant types a FAL allows. */
export function falFlows(fal: Fal): { response_types: ResponseType[]; grant_types: string[] } {
  return fal === 'fal1' ? { response_types: ['id_token'], grant_types: ['implicit'] } : { response_types: ['code'], grant_types: ['authorization_code'] };
}

/** What is wrong with client metadata for its FAL (empty when nothing). */
export function falMetadataProblems(fal: Fal, metadata: Readonly<Record<string, unknown>>): string[] {
  const responseTypes = (metadata.response_types as string[] | undefined) ?? [];
  const expected = falFlows(fal).response_types;
  const problems: string[] = [];
  if (responseTypes.length !== 1 || responseTypes[0] !== expected[0]) problems.push(`${fal} allows response_types ["${expected[0]}"] only`);
  if (fal === 'fal1') {
    if (metadata.id_token_encrypted_response_alg === undefined) problems.push('fal1 ID tokens travel the front channel and must be encrypted: id_token_encrypted_response_alg is required');
  } else if (!(BACK_CHANNEL_AUTH_METHODS as readonly string[]).includes(String(metadata.token_endpoint_auth_method))) {
    problems.push(`${fal} requires token_endpoint_auth_method private_key_jwt or tls_client_auth`);
  }
  return problems;
}

/** What is wrong with an authorization request for the client's FAL, or undefined. */
export function falRequestProblem(fal: Fal, params: Readonly<Record<string, unknown>>): string | undefined {
  if (params.nonce === undefined || params.nonce === '') return `a nonce is required at ${fal}`;
  if (fal === 'fal1') return params.response_type === 'id_token' ? undefined : 'fal1 uses the front channel: response_type id_token';
  if (params.response_type !== 'code') return `${fal} uses the back channel: response_type code`;
  if (params.code_challenge_method !== 'S256') return `${fal} requires PKCE with S256`;
  return undefined;
}

/** A FAL requested by the relying party (`fal` parameter) may not exceed, nor fall short of, the agreed one. */
export function requestedFalProblem(agreed: Fal, requested: unknown): string | undefined {
  if (requested === undefined || requested === '') return undefined;
  if (!isFal(requested)) return `fal must be one of ${FAL_VALUES.join(', ')}`;
  return requested === agreed ? undefined : `the trust agreement sets ${agreed} for this client; ${requested} was requested`;
}
