import { MAX_OCSP_REQUEST_BYTES } from './request.ts';

const BASE64 = /^[A-Za-z0-9+/\-_]+={0,2}$/;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The DER request carried by an OCSP GET path (RFC 6960 App. A.1: `{mount}/{url-encoding of base64 of DER}`).
 * `mount` is the prefix the HTTP face serves OCSP under. Everything after it is the request, slashes included
 * (un-encoded base64 may contain `/`). Returns undefined when the path is not a request; the caller then answers
 * with `respond(new Uint8Array())`, which is malformedRequest.
 */
export function ocspGetPath(path: string, mount = '/'): Uint8Array | undefined {
  const prefix = mount.endsWith('/') ? mount : `${mount}/`;
  const withoutQuery = path.split('?')[0] ?? '';
  if (!withoutQuery.startsWith(prefix)) return undefined;
  const encoded = withoutQuery.slice(prefix.length);
  if (encoded.length === 0 || encoded.length > MAX_OCSP_REQUEST_BYTES * 3) return undefined;
  const base64 = decodeSegment(encoded)?.replace(/\s/g, '');
  if (!base64 || !BASE64.test(base64)) return undefined;
  const bytes = Buffer.from(base64, base64.includes('-') || base64.includes('_') ? 'base64url' : 'base64');
  return bytes.byteLength > 0 ? new Uint8Array(bytes) : undefined;
}
