export { ocspGetPath } from './get-path.ts';
export { MAX_OCSP_REQUEST_BYTES, normalizeSerial, parseOcspRequest, type ParsedOcspRequest, type RequestedCertId } from './request.ts';
export { OcspResponder, type CertificateStatus, type OcspResponderOptions } from './responder.ts';
export { MAX_VALIDITY_MINUTES } from './responder-check.ts';

/** The media types of RFC 6960 App. A for the HTTP face. */
export const OCSP_REQUEST_MEDIA_TYPE = 'application/ocsp-request';
export const OCSP_RESPONSE_MEDIA_TYPE = 'application/ocsp-response';
