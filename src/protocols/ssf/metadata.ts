import { POLL_METHOD, PUSH_METHOD } from './stream-rows.ts';

/** Paths of the transmitter's endpoints, under the origin it is served from. */
export const SSF_PATHS = Object.freeze({
  jwks: '/ssf/jwks',
  configuration: '/ssf/streams',
  status: '/ssf/status',
  addSubject: '/ssf/subjects/add',
  removeSubject: '/ssf/subjects/remove',
  verification: '/ssf/verify',
  poll: '/ssf/poll/:streamId',
  wellKnown: '/.well-known/ssf-configuration',
});

/** The origin the `/ssf/...` endpoints are named under: the issuer's. */
export function endpointBaseOf(issuer: string): string {
  return new URL(issuer).origin;
}

/** Transmitter configuration metadata (SSF 1.0 §7.1). */
export function transmitterMetadata(issuer: string): Record<string, unknown> {
  const base = endpointBaseOf(issuer);
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${base}${SSF_PATHS.jwks}`,
    delivery_methods_supported: [PUSH_METHOD, POLL_METHOD],
    configuration_endpoint: `${base}${SSF_PATHS.configuration}`,
    status_endpoint: `${base}${SSF_PATHS.status}`,
    add_subject_endpoint: `${base}${SSF_PATHS.addSubject}`,
    remove_subject_endpoint: `${base}${SSF_PATHS.removeSubject}`,
    verification_endpoint: `${base}${SSF_PATHS.verification}`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    default_subjects: 'ALL',
  };
}
