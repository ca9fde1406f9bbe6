import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign, webcrypto, type JsonWebKey } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { BasicConstraintsExtension, X509CertificateGenerator, type X509Certificate } from '../../../pki/x509.ts';

type CryptoKey = webcrypto.CryptoKey;

// A software FIDO2 authenticator for unit tests: it builds registration and authentication responses
// byte for byte as WebAuthn defines them, so the verifier can be tested without a browser.

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** An attestation signing key and the x5c it sends (attestation certificate first). */
export interface TestAttestation {
  readonly key: KeyObject;
  readonly x5c: readonly X509Certificate[];
}

/** What the client and authenticator put in a ceremony; the flags default to UP+UV, not backed up. */
export interface Ceremony {
  readonly rpId: string;
  readonly origin: string;
  readonly challenge: string;
  readonly uv?: boolean;
  readonly backedUp?: boolean;
  readonly counter?: number;
  readonly type?: string;
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function b64u(data: Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function flags(ceremony: Ceremony, attested: boolean): number {
  const backup = ceremony.backedUp ? 0x18 : 0;
  return 0x01 | (ceremony.uv === false ? 0 : 0x04) | backup | (attested ? 0x40 : 0);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function clientData(ceremony: Ceremony, type: string): string {
  return b64u(Buffer.from(JSON.stringify({ type: ceremony.type ?? type, challenge: ceremony.challenge, origin: ceremony.origin, crossOrigin: false })));
}

/** A P-256 CA or leaf certificate for attestation tests. */
export async function testCertificate(options: {
  subject: string;
  issuer?: { name: string; key: CryptoKey };
  ca: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse a key pair (to re-issue a certificate); a fresh one by default. */
  keys?: webcrypto.CryptoKeyPair;
}): Promise<{ certificate: X509Certificate; key: CryptoKey; keys: webcrypto.CryptoKeyPair }> {
  const keys = options.keys ?? ((await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair);
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomBytes(8)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: options.subject,
    issuer: options.issuer?.name ?? options.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - 86_400_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: options.issuer?.key ?? keys.privateKey,
    signingAlgorithm: ECDSA,
    extensions: [new BasicConstraintsExtension(options.ca, undefined, true)],
  });
  return { certificate, key: keys.privateKey, keys };
}

/** A software authenticator holding one P-256 credential. */
export class TestAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly aaguid: Buffer;
  readonly attestation: TestAttestation | undefined;
  private readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  constructor(aaguid: string, attestation?: TestAttestation) {
    this.aaguid = Buffer.from(aaguid.replaceAll('-', ''), 'hex');
    this.attestation = attestation;
  }

  /** The credential public key as a COSE_Key (EC2, ES256). */
  cosePublicKey(): Uint8Array {
    const jwk = this.key.publicKey.export({ format: 'jwk' }) as JsonWebKey;
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]);
    return isoCBOR.encode(cose);
  }

  private authData(ceremony: Ceremony, attested: boolean): Buffer {
    const head = Buffer.concat([sha256(ceremony.rpId), Buffer.of(flags(ceremony, attested)), uint32(ceremony.counter ?? 0)]);
    if (!attested) return head;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.byteLength);
    return Buffer.concat([head, this.aaguid, idLength, this.credentialId, this.cosePublicKey()]);
  }

  private attestationStatement(signed: Buffer): Map<string, number | Uint8Array | Uint8Array[]> {
    if (!this.attestation) return new Map();
    const sig = sign('sha256', signed, this.attestation.key);
    return new Map<string, number | Uint8Array | Uint8Array[]>([
      ['alg', -7],
      ['sig', sig],
      ['x5c', this.attestation.x5c.map((cert) => new Uint8Array(cert.rawData))],
    ]);
  }

  /** `PublicKeyCredential.toJSON()` of a registration: 'packed' full attestation when set up with one, else 'none'. */
  register(ceremony: Ceremony): RegistrationResponseJSON {
    const clientDataJSON = clientData(ceremony, 'webauthn.create');
    const authData = this.authData(ceremony, true);
    const attStmt = this.attestationStatement(Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]));
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array | Uint8Array[]>>([
        ['fmt', this.attestation ? 'packed' : 'none'],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
    const id = b64u(this.credentialId);
    return { id, rawId: id, type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON, attestationObject: b64u(attestationObject), transports: ['usb'] } };
  }

  /** `PublicKeyCredential.toJSON()` of an authentication signed with the credential key. */
  login(ceremony: Ceremony): AuthenticationResponseJSON {
    const clientDataJSON = clientData(ceremony, 'webauthn.get');
    const authData = this.authData(ceremony, false);
    const signature = sign('sha256', Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]), this.key.privateKey);
    const id = b64u(this.credentialId);
    return { id, rawId: id, type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON, authenticatorData: b64u(authData), signature: b64u(signature) } };
  }
}

/** A KeyObject for a WebCrypto private key, for signing attestation statements. */
export function keyObject(key: CryptoKey): KeyObject {
  return KeyObject.from(key);
}
