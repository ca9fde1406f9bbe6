import { createPublicKey } from 'node:crypto';
import { generalVerify, type GeneralJWSInput } from 'jose';
import type { CheckpointSigner } from '../checkpoint.ts';
import { EVIDENCE_JWS_TYPE, type EvidenceBody } from './bundle.ts';

/**
 * A bundle is a JWS in the general JSON serialization (RFC 7515 §7.2.1) with one EdDSA signature by the audit
 * signing key: the payload is the evidence JSON, base64url-encoded, and the signature covers those exact characters.
 * The file is that JSON object written without whitespace and one final newline; a verifier also requires the file
 * to be exactly that, so that no byte of it can change (not even outside the signed parts).
 */
export function signEvidence(body: EvidenceBody, signer: CheckpointSigner): string {
  return signJson(body, signer);
}

/** Any evidence document (a leaver's, a certification campaign's) signed the same way, as a bundle file. */
export function signJson(body: object, signer: CheckpointSigner): string {
  const header = { alg: 'EdDSA', typ: EVIDENCE_JWS_TYPE, kid: signer.keyId };
  const protectedHeader = b64url(JSON.stringify(header));
  const payload = b64url(JSON.stringify(body));
  const signature = Buffer.from(signer.signBytes(Buffer.from(`${protectedHeader}.${payload}`, 'ascii'))).toString('base64url');
  return `${JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] })}\n`;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The JWS object of a bundle file, or why it is not one written the way muster writes them. */
export function parseBundleFile(text: string): { jws: GeneralJWSInput } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const jws = parsed as GeneralJWSInput;
  if (typeof jws?.payload !== 'string' || !Array.isArray(jws.signatures) || jws.signatures.length !== 1) return { problem: 'not a JWS in the general JSON serialization with one signature' };
  if (`${JSON.stringify(parsed)}\n` !== text) return { problem: 'the file is not in its exact written form (bytes were added, removed or reformatted)' };
  return { jws };
}

/** Checks the JWS with the key and answers the evidence it signs; throws (jose's error) when the signature fails. */
export async function verifyEvidenceJws(jws: GeneralJWSInput, publicKeyPem: string): Promise<{ body: EvidenceBody; kid: string | undefined }> {
  const result = await generalVerify(jws, createPublicKey(publicKeyPem), { algorithms: ['EdDSA', 'Ed25519'] });
  if (result.protectedHeader?.typ !== EVIDENCE_JWS_TYPE) throw new Error(`the JWS typ is ${String(result.protectedHeader?.typ)}, not ${EVIDENCE_JWS_TYPE}`);
  return { body: JSON.parse(new TextDecoder().decode(result.payload)) as EvidenceBody, kid: result.protectedHeader?.kid };
}

/** The payload decoded without checking the signature: only to find the key the bundle names. */
export function unverifiedBody(jws: GeneralJWSInput): EvidenceBody | undefined {
  try {
    return JSON.parse(Buffer.from(jws.payload as string, 'base64url').toString('utf8')) as EvidenceBody;
  } catch {
    return undefined;
  }
}
