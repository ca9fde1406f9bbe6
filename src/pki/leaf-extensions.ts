import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { OID } from './oids.ts';
import type { CertificateProfile } from './profiles.ts';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
} from './x509.ts';

export interface RevocationUrls {
  readonly caIssuers: string;
  readonly ocsp: string;
  readonly crl: string;
}

export interface LeafNames {
  readonly fascn?: Uint8Array;
  /** The card UUID, or the per-certificate UUID of a derived credential. */
  readonly uuid?: string;
}

function uri(value: string): asn.GeneralName {
  return new asn.GeneralName({ uniformResourceIdentifier: value });
}

function subjectAltName(names: LeafNames): Extension | undefined {
  const general: asn.GeneralName[] = [];
  if (names.fascn) {
    const value = AsnConvert.serialize(new OctetString(names.fascn.slice().buffer));
    general.push(new asn.GeneralName({ otherName: new asn.OtherName({ typeId: OID.pivFascn, value }) }));
  }
  if (names.uuid) general.push(uri(`urn:uuid:${names.uuid.toLowerCase()}`));
  if (general.length === 0) return undefined;
  return new Extension(OID.extSubjectAltName, false, AsnConvert.serialize(new asn.SubjectAlternativeName(general)));
}

/** AIA: caIssuers (the issuer's certificate), then OCSP when the issuer has a responder; non-critical. */
export function authorityInfoAccess(urls: { readonly caIssuers: string; readonly ocsp?: string }): Extension {
  const descriptions = [new asn.AccessDescription({ accessMethod: asn.id_ad_caIssuers, accessLocation: uri(urls.caIssuers) })];
  if (urls.ocsp) descriptions.push(new asn.AccessDescription({ accessMethod: asn.id_ad_ocsp, accessLocation: uri(urls.ocsp) }));
  return new Extension(OID.extAuthorityInfoAccess, false, AsnConvert.serialize(new asn.AuthorityInfoAccessSyntax(descriptions)));
}

export interface LeafExtensionInput {
  readonly profile: CertificateProfile;
  readonly policies: readonly string[];
  readonly names: LeafNames;
  readonly keyId: string;
  readonly issuerKeyId: string;
  readonly urls: RevocationUrls;
}

/** The extensions a profile prescribes; nothing comes from the CSR. */
export function leafExtensions(input: LeafExtensionInput): Extension[] {
  const { profile } = input;
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(profile.keyUsage, true),
    new ExtendedKeyUsageExtension([...profile.eku.usages], profile.eku.critical),
    new CertificatePolicyExtension([...input.policies], false),
    new SubjectKeyIdentifierExtension(input.keyId),
    new AuthorityKeyIdentifierExtension(input.issuerKeyId),
  ];
  const san = subjectAltName(input.names);
  if (san) extensions.push(san);
  if (profile.revocationPointers) extensions.push(authorityInfoAccess(input.urls), new CRLDistributionPointsExtension([input.urls.crl]));
  if (profile.ocspNoCheck) extensions.push(new Extension(OID.ocspNoCheck, false, new Uint8Array([0x05, 0x00])));
  return extensions;
}
