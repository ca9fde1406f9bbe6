import type { X509Certificate, X509Crl } from '../x509.ts';
import { checkBasics, checkCa, duplicateExtension, isSelfIssued, unknownCriticalExtension, weakKey } from './certificate-checks.ts';
import { acceptedCrlSigners } from './crl-signers.ts';
import { endEntityUsageFailure, type EndEntityUsage } from './end-entity.ts';
import { addNameConstraints, checkNameConstraints, type NameConstraintState } from './name-constraints.ts';
import { parseCert, parseCrl, type ParsedCert, type ParsedCrl } from './parsed.ts';
import { finishPolicies } from './policy-final.ts';
import { applyCertificatePolicies, initialPolicyState, preparePolicies, type PolicyState } from './policy.ts';
import { checkRevocation } from './revocation.ts';

export interface PathValidationInput {
  readonly anchor: X509Certificate;
  /** Intermediates in order from the anchor, then the end entity. */
  readonly path: readonly X509Certificate[];
  readonly crls: readonly X509Crl[];
  /**
   * The revocation status of each certificate of the path, looked up by the caller (the issuer's own records) in place
   * of CRLs: undefined when the certificate is not revoked, else why it is. When given, `crls` are not consulted.
   */
  readonly revocationStatus?: RevocationStatus;
  readonly time: Date;
  readonly initialPolicySet: readonly string[];
  readonly initialExplicitPolicy: boolean;
  readonly initialPolicyMappingInhibit: boolean;
  readonly initialInhibitAnyPolicy: boolean;
  /** Certificates off the path that may sign CRLs; each must be issued from the path and not revoked. */
  readonly crlSigners?: readonly X509Certificate[];
  /** What the end entity must be good for (extended key usage); unchecked when absent, as in RFC 5280 §6.1. */
  readonly endEntity?: EndEntityUsage;
}

export type { EndEntityUsage };

/** Undefined when the certificate is neither revoked nor on hold at `time`; otherwise the reason, as a path failure names it. */
export type RevocationStatus = (certificate: X509Certificate, time: Date) => Promise<string | undefined>;

export interface PathValidationResult {
  readonly valid: boolean;
  readonly reason?: string;
  readonly userConstrainedPolicySet?: string[];
}

interface WalkState {
  readonly chain: ParsedCert[];
  readonly crls: readonly ParsedCrl[];
  readonly extraSigners: readonly ParsedCert[];
  readonly revocationStatus: RevocationStatus | undefined;
  readonly policy: PolicyState;
  names: NameConstraintState;
  maxPathLength: number;
}

/** §6.1.3: checks certificate `i` (1-based) against the working state. */
async function processCertificate(state: WalkState, cert: ParsedCert, i: number, n: number, time: Date): Promise<string | undefined> {
  const issuer = state.chain[state.chain.length - 1] as ParsedCert;
  const selfIssued = isSelfIssued(cert);
  // CRL signers: the chain so far, a self-issued (key-rollover) certificate itself once its signature has
  // been checked (it may be covered by a CRL signed with the key it certifies), and accepted off-path signers.
  return (
    duplicateExtension(cert) ??
    (await checkBasics(cert, issuer, time)) ??
    weakKey(cert) ??
    (await revocationFailure(state, cert, selfIssued, time)) ??
    (!selfIssued || i === n ? checkNameConstraints(state.names, cert) : undefined) ??
    applyCertificatePolicies(state.policy, cert, i, n, selfIssued) ??
    unknownCriticalExtension(cert)
  );
}

/** §6.1.3 (a)(3): the caller's status look-up when it gave one, else the CRLs (§6.3). */
async function revocationFailure(state: WalkState, cert: ParsedCert, selfIssued: boolean, time: Date): Promise<string | undefined> {
  if (state.revocationStatus) return state.revocationStatus(cert.cert, time);
  const extras = state.extraSigners.length > 0 ? await acceptedCrlSigners(state.extraSigners, state.chain, state.crls, time) : [];
  const crlSigners = [...state.chain, ...(selfIssued ? [cert] : []), ...extras];
  return checkRevocation(cert, state.crls, crlSigners, time);
}

/** §6.1.4: prepares the state for the certificate after intermediate `i`. */
function prepareNext(state: WalkState, cert: ParsedCert, i: number): string | undefined {
  const policyFailure = preparePolicies(state.policy, cert, i, isSelfIssued(cert));
  if (policyFailure) return policyFailure;
  state.names = addNameConstraints(state.names, cert);
  const ca = checkCa(cert, state.maxPathLength);
  state.maxPathLength = ca.maxPathLength;
  return ca.reason;
}

/**
 * RFC 5280 §6.1 basic path validation with CRL checking (§6.3, complete direct CRLs only, or the caller's status
 * look-up), plus: no extension twice
 * in a certificate (§4.2), no RSA key under 2048 bits or with an exponent below 65537 (FPKI CP §6.1.5, FIPS 186-5),
 * and, when `endEntity` is given, the end entity's extended key usage (§4.2.1.12). The trust anchor contributes
 * only its name and key. Returns `valid: false` with a reason rather than throwing.
 */
export async function validatePath(input: PathValidationInput): Promise<PathValidationResult> {
  const n = input.path.length;
  if (n === 0) return { valid: false, reason: 'empty path' };
  const state: WalkState = {
    chain: [parseCert(input.anchor)],
    crls: input.crls.map(parseCrl),
    extraSigners: (input.crlSigners ?? []).map(parseCert),
    revocationStatus: input.revocationStatus,
    policy: initialPolicyState(n, input.initialExplicitPolicy, input.initialPolicyMappingInhibit, input.initialInhibitAnyPolicy),
    names: { permitted: [], excluded: [] },
    maxPathLength: n,
  };
  for (const [index, raw] of input.path.entries()) {
    const i = index + 1;
    const cert = parseCert(raw);
    const reason = (await processCertificate(state, cert, i, n, input.time)) ?? (i < n ? prepareNext(state, cert, i) : undefined);
    if (reason) return { valid: false, reason: `certificate ${i}: ${reason}` };
    state.chain.push(cert);
  }
  const last = state.chain[n] as ParsedCert;
  const usage = input.endEntity ? endEntityUsageFailure(last, input.endEntity) : undefined;
  if (usage) return { valid: false, reason: `certificate ${n}: ${usage}` };
  const policies = finishPolicies(state.policy, last, n, input.initialPolicySet);
  if (policies.reason) return { valid: false, reason: policies.reason };
  return { valid: true, userConstrainedPolicySet: policies.set };
}
