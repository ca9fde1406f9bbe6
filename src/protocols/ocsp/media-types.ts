/** The media types of RFC 6960 App. A for the HTTP face. */
export const OCSP_REQUEST_MEDIA_TYPE = 'application/ocsp-request';
export const OCSP_RESPONSE_MEDIA_TYPE = 'application/ocsp-response';
