export { ocspGetPath } from './get-path.ts';
export { ocspListener, type OcspListener, type OcspListenerOptions } from './http.ts';
export { OCSP_REQUEST_MEDIA_TYPE, OCSP_RESPONSE_MEDIA_TYPE } from './media-types.ts';
export { MAX_OCSP_REQUEST_BYTES, normalizeSerial, parseOcspRequest, type ParsedOcspRequest, type RequestedCertId } from './request.ts';
export { OcspResponder, type CertificateStatus, type OcspAnswer, type OcspResponderOptions } from './responder.ts';
export { MAX_VALIDITY_MINUTES } from './responder-check.ts';
