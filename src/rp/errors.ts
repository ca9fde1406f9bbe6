/**
 * The one error class of `muster/rp`. Every code is stable, never reused, and listed in docs/rp.md
 * with its HTTP status (a test keeps the two in step).
 */
export const RP_ERROR_CODES = {
  RP_ERR_CONFIG: { status: 500, summary: 'the trust agreements or the client options are invalid; details name the field' },
  RP_ERR_DISCOVERY: { status: 502, summary: "the IdP's discovery document or the transmitter's SSF configuration cannot be read or does not match its issuer" },
  RP_ERR_STATE: { status: 400, summary: 'the callback does not belong to a sign-in this RP started, or the sign-in is too old' },
  RP_ERR_ASSERTION: { status: 401, summary: "the IdP's response failed the OpenID Connect checks (state, PKCE, signature, iss, aud, exp, nonce) or the IdP refused" },
  RP_ERR_WRONG_IDP: { status: 403, summary: 'the issuer is not the PIV IdP that the trust agreements name for the claimed home agency and affiliation' },
  RP_ERR_MISSING_CLAIM: { status: 401, summary: 'a required SP 800-217 assertion element is missing; details name the claim' },
  RP_ERR_CLAIM_VALUE: { status: 401, summary: 'an assertion element has a value the profile does not allow; details name the claim' },
  RP_ERR_FAL_TOO_LOW: { status: 403, summary: 'the FAL of the assertion is below the one agreed' },
  RP_ERR_AAL_TOO_LOW: { status: 403, summary: 'the AAL of the authentication is below the one agreed' },
  RP_ERR_AUTH_TOO_OLD: { status: 401, summary: 'the authentication (auth_time) is older than the agreed maximum authentication age' },
  RP_ERR_HOLDER_OF_KEY: { status: 401, summary: 'FAL3: the certificate thumbprint in cnf does not match the client certificate seen over mutual TLS, or none was seen' },
  RP_ERR_BOUND_AUTHENTICATOR: { status: 401, summary: "FAL3: the assertion requires the RP's own bound authenticator and it was not verified" },
  RP_ERR_IDENTIFIER_INACTIVE: { status: 403, summary: 'the federated identifier was replaced (SP 800-217 §5.3) and is refused, or the account waits for its new identifier' },
  RP_ERR_ACCOUNT_DISABLED: { status: 403, summary: 'the subscriber account is disabled' },
  RP_ERR_USERINFO: { status: 502, summary: 'UserInfo cannot be read or names another subject' },
  RP_ERR_SIGNAL: { status: 400, summary: 'a security event token is refused; err carries the RFC 8935 error code' },
  RP_ERR_POLL: { status: 502, summary: 'the transmitter poll endpoint cannot be reached or answered badly' },
} as const;

export type RpErrorCode = keyof typeof RP_ERROR_CODES;

/** RFC 8935 / 8936 error codes for a refused SET. */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

export interface RpErrorDetails {
  /** The claim at fault. */
  readonly claim?: string;
  /** The RFC 8935 error for a refused SET. */
  readonly setErr?: SetErrorCode;
  readonly field?: string;
}

export class RpError extends Error {
  readonly code: RpErrorCode;
  readonly status: number;
  readonly details: RpErrorDetails;

  constructor(code: RpErrorCode, message: string, details: RpErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpError';
    this.code = code;
    this.status = RP_ERROR_CODES[code].status;
    this.details = details;
  }
}

export function isRpError(error: unknown, code?: RpErrorCode): error is RpError {
  return error instanceof RpError && (code === undefined || error.code === code);
}
