/**
 * One error class for every operational failure in muster. Each error has a stable code
 * (never reused, listed in docs/errors.md), an HTTP status, and optional details that name
 * where the problem is (file, line, field, key).
 */
export const ERROR_CODES = {
  MUSTER_ERR_CONFIG: { status: 500, summary: 'configuration is invalid; every problem is named with its key' },
  MUSTER_ERR_VALIDATION: { status: 400, summary: 'a request or record is malformed; details name the field' },
  MUSTER_ERR_TOO_LARGE: { status: 413, summary: 'a request body is larger than the limit of its route' },
  MUSTER_ERR_NOT_FOUND: { status: 404, summary: 'the named object does not exist' },
  MUSTER_ERR_CONFLICT: { status: 409, summary: 'the change conflicts with the current state' },
  MUSTER_ERR_UNAUTHENTICATED: { status: 401, summary: 'no valid API token was presented' },
  MUSTER_ERR_FORBIDDEN: { status: 403, summary: 'the caller may not do this' },
  MUSTER_ERR_SEPARATION_OF_DUTIES: { status: 403, summary: 'one person may not play two parts of this (sponsor, registrar, issuer, applicant, proposer and confirmer); details name the rule' },
  MUSTER_ERR_SOD: { status: 409, summary: 'a grant would give one identity both sides of a separation-of-duties policy; details name the policy and both sides' },
  MUSTER_ERR_PENDING_ACTION: { status: 409, summary: 'the pending action is not awaiting confirmation (confirmed, rejected, expired or failed)' },
  MUSTER_ERR_RATE_LIMITED: { status: 429, summary: 'too many requests from this address or token; retry after the time Retry-After names' },
  MUSTER_ERR_STATUS_TRANSITION: { status: 409, summary: 'the identity status machine does not allow this move' },
  MUSTER_ERR_SOURCE_UNKNOWN: { status: 404, summary: 'no authoritative source with that name is registered' },
  MUSTER_ERR_SOURCE_NOT_AUTHORITATIVE: { status: 403, summary: 'the source is not authoritative for an attribute it tried to change' },
  MUSTER_ERR_IMPORT_INVALID: { status: 422, summary: 'an import file has bad rows; nothing was applied' },
  MUSTER_ERR_IMPORT_FILE: { status: 400, summary: 'an import file cannot be read (encoding, header, format)' },
  MUSTER_ERR_IMPORT_HELD: { status: 409, summary: 'an import run is held by the mass-change guard until confirmed' },
  MUSTER_ERR_IMPORT_STATE: { status: 409, summary: 'the import run is not in a state that allows this operation' },
  MUSTER_ERR_DISPUTE_STATE: { status: 409, summary: 'the disputed case is already resolved or the choice is not a candidate' },
  MUSTER_ERR_AUDIT_CHAIN: { status: 500, summary: 'the audit log failed verification' },
  MUSTER_ERR_AUDIT_KEY: { status: 500, summary: 'the audit checkpoint signing key is missing or does not match' },
  MUSTER_ERR_EVIDENCE: { status: 422, summary: 'a leaver evidence bundle failed verification; the failed checks are named' },
  MUSTER_ERR_STORE: { status: 503, summary: 'the store cannot be reached or refused the operation' },
  MUSTER_ERR_STORE_UNAVAILABLE: { status: 503, summary: 'the database cannot be reached or its connection was lost; the work is retried once it is back' },
  MUSTER_ERR_STORE_FULL: { status: 507, summary: 'the disk of the embedded store is (nearly) full; writes are refused until space is freed' },
  MUSTER_ERR_STORE_MIGRATION: { status: 500, summary: 'the database schema is newer than this muster or a migration failed' },
  MUSTER_ERR_TEST_ONLY: { status: 500, summary: 'a test-only component was used outside tests' },
  MUSTER_ERR_JOB_UNKNOWN: { status: 500, summary: 'a job of an unregistered kind was found in the outbox' },
  MUSTER_ERR_INTERNAL: { status: 500, summary: 'an unexpected internal failure' },
  MUSTER_ERR_LISTEN: { status: 500, summary: 'the HTTP server cannot listen on the configured host and port' },
  MUSTER_ERR_OUTPUT_FILE: { status: 500, summary: 'an output file (export, report) cannot be written' },
  MUSTER_ERR_PKI_KEY: { status: 500, summary: 'a CA key or a sealed signing or cookie key cannot be generated, read or decrypted (wrong passphrase, unsupported algorithm)' },
  MUSTER_ERR_PKI_CSR: { status: 400, summary: 'a certificate signing request is refused (unreadable, too large, bad signature, unsupported key)' },
  MUSTER_ERR_PKI_PROFILE: { status: 422, summary: 'a certificate or CRL would break its profile; nothing was issued' },
  MUSTER_ERR_CREDENTIAL_REFUSED: { status: 422, summary: 'a credential may not be issued: an issuance rule is broken; details name the request field or the rule' },
  MUSTER_ERR_OCSP_RESPONDER: { status: 500, summary: 'the OCSP responder is misconfigured (certificate, key or validity window)' },
  MUSTER_ERR_PKI_HSM: { status: 500, summary: 'the PKCS#11 module, token, PIN or key cannot be used' },
  MUSTER_ERR_CREDENTIAL_STATE: { status: 409, summary: "the credential operation is not allowed in the credential's current state" },
  MUSTER_ERR_DERIVED_BINDING: { status: 422, summary: 'a Derived PIV binding is refused (challenge, PIV certificate, signature or authenticator); nothing was bound' },
  MUSTER_ERR_EXCEPTION: { status: 422, summary: 'a credential exception is refused (missing approver, reason, compensating control or a bounded expiry)' },
  MUSTER_ERR_TARGET_CONFLICT: { status: 409, summary: 'a downstream target already holds an account with that key, or it belongs to another identity' },
  MUSTER_ERR_TARGET_UNAVAILABLE: { status: 503, summary: 'a downstream target cannot be reached, timed out or failed (5xx); the work is retried' },
  MUSTER_ERR_TARGET_REFUSED: { status: 502, summary: 'a downstream target refused an operation (credentials, schema, permissions); details carry its answer' },
  MUSTER_ERR_POLICY: { status: 422, summary: 'a lifecycle policy document is invalid; details name the field' },
  MUSTER_ERR_CATALOGUE: { status: 422, summary: 'a catalogue item of requestable access is invalid; details name the field' },
  MUSTER_ERR_ACCESS_REQUEST: { status: 422, summary: 'an access request, decision or activation is refused (end date, state, fresh sign-in); details name the field or the rule' },
  MUSTER_ERR_AGREEMENT: { status: 422, summary: 'a trust agreement is invalid or conflicts with another (a client id in two agreements); details name the field' },
  MUSTER_ERR_SIGN_IN: { status: 401, summary: 'a PIV federation sign-in is refused (credential, identity status, trust agreement, assurance); the attempt is audited' },
  MUSTER_ERR_SSF_STREAM: { status: 400, summary: 'a shared-signals stream request is refused (unknown stream, bad delivery, events not allowed by the agreement)' },
  MUSTER_ERR_OUTBOUND_REFUSED: { status: 502, summary: 'muster refused an outbound request: a special-use address not allowed, a redirect, an answer too large' },
} as const;

export type MusterErrorCode = keyof typeof ERROR_CODES;

/** Where a problem is: any of file, line, field, key, path. */
export interface ErrorDetail {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly key?: string;
  readonly value?: string;
}

export class MusterError extends Error {
  readonly code: MusterErrorCode;
  readonly status: number;
  readonly details: readonly ErrorDetail[];

  constructor(code: MusterErrorCode, message: string, details: readonly ErrorDetail[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = 'MusterError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  /** Errors below 500 are the caller's to read; 500s hide their message from remote callers. */
  get expose(): boolean {
    return this.status < 500;
  }

  toJSON(): { code: MusterErrorCode; message: string; details: readonly ErrorDetail[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isMusterError(value: unknown, code?: MusterErrorCode): value is MusterError {
  return value instanceof MusterError && (code === undefined || value.code === code);
}

/** Formats one detail as `file:line: field: message` for terminals. */
export function formatDetail(detail: ErrorDetail): string {
  const where = [detail.file, detail.line === undefined ? undefined : String(detail.line)].filter(Boolean).join(':');
  const field = detail.field ? `${detail.field}: ` : '';
  return `${where ? `${where}: ` : ''}${field}${detail.message}`;
}
