import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type KeyVault, isSealed, openJson, sealJson } from '../core/key-vault.ts';
import type { Queryable } from '../store/store.ts';

/**
 * The web console as a relying party of muster's own OpenID Provider: a confidential client (authorization code with
 * PKCE, `private_key_jwt`) under a built-in trust agreement that asks AAL3 of every sign-in and releases one claim only,
 * `x509_certificate_id`: which certificate signed in (none after a FIDO2 sign-in), so that a cardholder who signed in
 * with their PIV card may bind their own Derived PIV credential in that session (SP 800-157r1 §2.1).
 * Its signing key is made once and kept sealed in `settings`, the same for every muster process.
 */
export const CONSOLE_CLIENT_ID = 'muster-console';
export const CONSOLE_AGREEMENT_ID = 'muster-console';
/** Where the console lives on the origin of muster's HTTP listener. */
export const CONSOLE_PATH = '/console';
export const CONSOLE_CALLBACK_PATH = `${CONSOLE_PATH}/callback`;
export const CONSOLE_SIGNED_OUT_PATH = `${CONSOLE_PATH}/signed-out`;
/** The longest the console accepts between the PIV authentication and the sign-in it opens (its `max_age`). */
export const CONSOLE_MAX_AUTHENTICATION_AGE_SECONDS = 60;

const KEY_SETTING = 'console.client-key';
const KEY_PLACE = `settings:${KEY_SETTING}`;

/** A private JWK (ES256) with its `kid`, `alg` and `use`. */
export type ConsoleClientKey = Readonly<Record<string, unknown>> & { readonly kid: string; readonly alg: 'ES256' };

function newKey(): ConsoleClientKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `console-${randomBytes(6).toString('hex')}`, alg: 'ES256', use: 'sig' } as ConsoleClientKey;
}

/** The console client's private key: made at the first start, sealed with the key vault, read at every start after. */
export async function consoleClientKey(db: Queryable, vault: KeyVault): Promise<ConsoleClientKey> {
  const made = await sealJson(vault, newKey(), KEY_PLACE);
  await db.db
    .insertInto('settings')
    .values({ key: KEY_SETTING, value: JSON.stringify(made) })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  const row = await db.db.selectFrom('settings').select('value').where('key', '=', KEY_SETTING).executeTakeFirstOrThrow();
  if (!isSealed(row.value)) throw new TypeError(`settings ${KEY_SETTING} is not sealed`);
  return openJson<ConsoleClientKey>(vault, row.value, KEY_PLACE);
}

/** The public half of a private JWK. */
export function publicJwk(key: ConsoleClientKey): Record<string, unknown> {
  const { d: _d, ...rest } = key as Record<string, unknown>;
  return rest;
}

export interface ConsoleAgreementInput {
  readonly agencyCode: string;
  /** muster's OP. */
  readonly issuer: string;
  /** The origin the console is served on (the OP's own, behind the same listener). */
  readonly origin: string;
  readonly key: ConsoleClientKey;
}

/** The built-in agreement of the console: the agency's own people, AAL3 only, the certificate identifier only, no signal, allowlisted. */
export function consoleAgreementDocument(input: ConsoleAgreementInput): Record<string, unknown> {
  return {
    name: 'muster console',
    description: "muster's web console signs operators in through muster's own OpenID Provider (built in)",
    population: { agencyCodes: [input.agencyCode] },
    idp: { issuer: input.issuer, home: true },
    relyingParties: [
      {
        clientId: CONSOLE_CLIENT_ID,
        name: 'muster console',
        redirectUris: [`${input.origin}${CONSOLE_CALLBACK_PATH}`],
        postLogoutRedirectUris: [`${input.origin}${CONSOLE_SIGNED_OUT_PATH}`],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [publicJwk(input.key)] },
        fal: 'fal2',
        maxAuthenticationAge: CONSOLE_MAX_AUTHENTICATION_AGE_SECONDS,
      },
    ],
    attributes: [{ name: 'x509_certificate_id', purpose: 'to know which PIV card you signed in with, so that you may bind a Derived PIV credential after it' }],
    assurance: { aal: { min: 'aal3', max: 'aal3' }, fal: { min: 'fal2', max: 'fal2' } },
    signals: [],
    consent: 'allowlisted',
  };
}
