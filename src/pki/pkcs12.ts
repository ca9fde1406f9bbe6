import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { ContentInfo, id_data } from '@peculiar/asn1-cms';
import * as pfx from '@peculiar/asn1-pfx';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { BmpString } from 'asn1js';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PKCS12_KDF_PURPOSE, pkcs12Kdf } from './pkcs12-kdf.ts';

const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_FRIENDLY_NAME = '1.2.840.113549.1.9.20';
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';
const MAC_ITERATIONS = 10_000;

export interface Pkcs12Input {
  /** Unencrypted PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  /** DER certificates: the key's own first, then its chain. Stored byte for byte. */
  readonly certificates: readonly Uint8Array[];
  readonly password: string;
  readonly friendlyName: string;
}

function attribute(id: string, value: ArrayBuffer): pfx.PKCS12Attribute {
  const a = new pfx.PKCS12Attribute();
  a.attrId = id;
  a.attrValues = [value];
  return a;
}

function bag(bagId: string, value: ArrayBuffer, attributes?: pfx.PKCS12Attribute[]): pfx.SafeBag {
  return new pfx.SafeBag({ bagId, bagValue: value, ...(attributes ? { bagAttributes: new pfx.PKCS12AttrSet(attributes) } : {}) });
}

function dataContent(safe: pfx.SafeContents): ContentInfo {
  return new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(AsnConvert.serialize(safe))) });
}

/** RFC 7292 §B.2 MAC key (the PKCS#12 KDF), then HMAC-SHA-256 over the authenticated safe. */
function macData(authSafe: ArrayBuffer, password: string): pfx.MacData {
  const salt = randomBytes(16);
  const key = pkcs12Kdf(password, salt, PKCS12_KDF_PURPOSE.macKey, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', key).update(Buffer.from(authSafe)).digest();
  const digestInfo = new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID_SHA256, parameters: null }), digest: new OctetString(mac) });
  return new pfx.MacData({ mac: digestInfo, macSalt: new OctetString(salt), iterations: MAC_ITERATIONS });
}

/**
 * A PKCS#12 file as smart-card middleware exports one: the private key shrouded with PBES2 (PBKDF2-SHA-256,
 * AES-256-CBC, by Node's crypto), the certificates kept byte for byte, and an HMAC-SHA-256 integrity MAC.
 */
export function buildPkcs12(input: Pkcs12Input): Uint8Array {
  const [own] = input.certificates;
  if (!own) throw new TypeError("a PKCS#12 file needs the key's certificate");
  const localKeyId = AsnConvert.serialize(new OctetString(createHash('sha1').update(own).digest()));
  const name = new BmpString({ value: input.friendlyName }).toBER();
  const shrouded = createPrivateKey(input.keyPem).export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: input.password });
  const keyBag = bag(pfx.id_pkcs8ShroudedKeyBag, new Uint8Array(shrouded).buffer, [attribute(OID_LOCAL_KEY_ID, localKeyId), attribute(OID_FRIENDLY_NAME, name)]);
  const certBags = input.certificates.map((der, i) => {
    const certBag = new pfx.CertBag({ certId: pfx.id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(der.slice())) });
    return bag(pfx.id_certBag, AsnConvert.serialize(certBag), i === 0 ? [attribute(OID_LOCAL_KEY_ID, localKeyId), attribute(OID_FRIENDLY_NAME, name)] : undefined);
  });
  const authSafe = AsnConvert.serialize(new pfx.AuthenticatedSafe([dataContent(new pfx.SafeContents(certBags)), dataContent(new pfx.SafeContents([keyBag]))]));
  const file = new pfx.PFX({ version: 3, authSafe: new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(authSafe)) }), macData: macData(authSafe, input.password) });
  return new Uint8Array(AsnConvert.serialize(file));
}
