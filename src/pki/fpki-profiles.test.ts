// Every certificate muster issues, made by muster's own code and checked against the FPKI Common Policy SSP
// certificate profiles (worksheets v2.2, fpkilint ssp-*.json; STANDARDS.md §12): names, extensions and their
// criticality, keys, validity and URLs. One row per certificate kind.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { ManualClock } from '../core/clock.ts';
import { issueTlsServerCertificate } from './tls-server.ts';
import { createCaHierarchy, createSubordinateCa, PIV_POLICIES, type CaHierarchy, type CertificateAuthority } from './ca.ts';
import { encodeFascn } from './fascn.ts';
import { createIssuer } from './issue.ts';
import { generateCaKey } from './keys.ts';
import { OID } from './oids.ts';
import { issueResponder } from './store/responder.ts';
import { tlsCaName } from './store/tls-ca.ts';
import { KeyUsageFlags, type X509Certificate } from './x509.ts';

const DAY_MS = 86_400_000;
const BASE = 'http://pki.agency.example';
const ROOT_POINTERS = { caIssuers: `${BASE}/pki/root-ca.crt`, crl: `${BASE}/crl/root.crl` };
const LEAF_URLS = { caIssuers: `${BASE}/pki/issuing-ca.crt`, ocsp: `${BASE}/ocsp`, crl: `${BASE}/pki/issuing-ca.crl` };
const ORG = 'OU=Demo Agency,O=U.S. Government,C=US';
const CA_USAGE = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
const SIGNATURES: readonly string[] = [OID.ecdsaWithSha256, OID.ecdsaWithSha384, OID.sha256WithRsa];
const KEYS = ['ec:prime256v1', 'ec:secp384r1', 'rsa:2048', 'rsa:3072', 'rsa:4096'];
const NOT_FOR_AUTH = [OID.pivCardAuth, OID.ekuAny, OID.ekuCodeSigning];
const AT = { country: '2.5.4.6', commonName: '2.5.4.3' };

interface Row {
  readonly name: string;
  readonly cert: () => X509Certificate;
  readonly parent: () => X509Certificate;
  /** pathLenConstraint of a CA (null: none); undefined for an end entity. */
  readonly ca?: { readonly pathLen: number | null };
  readonly keyUsage: number;
  readonly eku?: { readonly includes: readonly string[]; readonly critical: boolean; readonly only?: boolean; readonly forbidden?: readonly string[] };
  /** Exactly these policies; empty: no certificatePolicies extension. */
  readonly policies: readonly string[];
  readonly crl?: string;
  readonly aia?: { readonly caIssuers: string; readonly ocsp?: string };
  readonly san?: { readonly fascn?: boolean; readonly uuid?: boolean; readonly dns?: readonly string[]; readonly ip?: boolean };
  readonly ocspNoCheck?: boolean;
  readonly maxDays: number;
}

const ext = (cert: X509Certificate, oid: string) => cert.extensions.find((e) => e.type === oid);
const tbs = (cert: X509Certificate) => AsnConvert.parse(cert.rawData, asn.Certificate).tbsCertificate;
const der = (name: asn.Name) => Buffer.from(AsnConvert.serialize(name));

function checkNames(row: Row): void {
  const cert = row.cert();
  const subject = tbs(cert).subject;
  assert.equal(subject[0]?.[0]?.type, AT.country, `${row.name}: the subject's first RDN is C`);
  assert.equal(subject.at(-1)?.[0]?.type, AT.commonName, `${row.name}: the subject's last RDN is CN`);
  for (const rdn of subject)
    for (const attribute of rdn) {
      const { printableString, utf8String } = attribute.value;
      if (attribute.type === AT.country) assert.ok(printableString !== undefined, `${row.name}: C is a PrintableString`);
      else assert.ok(printableString !== undefined || utf8String !== undefined, `${row.name}: ${attribute.type} is PrintableString or UTF8String`);
    }
  assert.deepEqual(der(tbs(cert).issuer), der(tbs(row.parent()).subject), `${row.name}: issuer is the parent's subject, byte for byte`);
}

function checkBasics(row: Row): void {
  const cert = row.cert();
  const bc = ext(cert, OID.extBasicConstraints);
  assert.ok(bc?.critical, `${row.name}: basicConstraints present and critical`);
  const parsed = AsnConvert.parse(bc.value, asn.BasicConstraints);
  assert.equal(parsed.cA, row.ca !== undefined, `${row.name}: cA`);
  if (row.ca) assert.equal(parsed.pathLenConstraint ?? null, row.ca.pathLen, `${row.name}: pathLenConstraint`);
  const ku = ext(cert, OID.extKeyUsage);
  assert.ok(ku?.critical, `${row.name}: keyUsage critical`);
  assert.equal((ku as unknown as { usages: number }).usages, row.keyUsage, `${row.name}: keyUsage exactly as the profile says`);
}

function checkEku(row: Row): void {
  const found = ext(row.cert(), OID.extExtKeyUsage);
  if (!row.eku) return assert.equal(found, undefined, `${row.name}: no extKeyUsage`);
  assert.ok(found, `${row.name}: extKeyUsage present`);
  assert.equal(found.critical, row.eku.critical, `${row.name}: extKeyUsage criticality`);
  const usages = [...AsnConvert.parse(found.value, asn.ExtendedKeyUsage)].map(String);
  for (const usage of row.eku.includes) assert.ok(usages.includes(usage), `${row.name}: extKeyUsage has ${usage}`);
  if (row.eku.only) assert.equal(usages.length, row.eku.includes.length, `${row.name}: extKeyUsage has nothing else`);
  for (const usage of row.eku.forbidden ?? []) assert.ok(!usages.includes(usage), `${row.name}: extKeyUsage must not have ${usage}`);
}

function checkPolicies(row: Row): void {
  const found = ext(row.cert(), OID.extCertificatePolicies);
  if (row.policies.length === 0) return assert.equal(found, undefined, `${row.name}: no certificatePolicies`);
  assert.ok(found && !found.critical, `${row.name}: certificatePolicies present, non-critical`);
  const policies = [...AsnConvert.parse(found.value, asn.CertificatePolicies)].map((p) => p.policyIdentifier);
  assert.deepEqual([...policies].sort(), [...row.policies].sort(), `${row.name}: certificatePolicies`);
}

function checkKeyIdentifiers(row: Row): void {
  const cert = row.cert();
  const ski = ext(cert, OID.extSubjectKeyIdentifier);
  const aki = ext(cert, OID.extAuthorityKeyIdentifier);
  assert.ok(ski && !ski.critical, `${row.name}: SKI present, non-critical`);
  assert.ok(aki && !aki.critical, `${row.name}: AKI present, non-critical`);
  const parentSki = AsnConvert.parse(ext(row.parent(), OID.extSubjectKeyIdentifier)?.value as ArrayBuffer, asn.SubjectKeyIdentifier);
  const keyId = AsnConvert.parse(aki.value, asn.AuthorityKeyIdentifier).keyIdentifier;
  assert.deepEqual(Buffer.from(keyId?.buffer ?? new ArrayBuffer(0)), Buffer.from(parentSki.buffer), `${row.name}: AKI keyIdentifier is the parent's SKI`);
}

function checkPointers(row: Row): void {
  const cert = row.cert();
  const cdp = ext(cert, OID.extCrlDistributionPoints);
  if (!row.crl) assert.equal(cdp, undefined, `${row.name}: no CRL distribution point`);
  else {
    assert.ok(cdp && !cdp.critical, `${row.name}: CRL DP present, non-critical`);
    const points = [...AsnConvert.parse(cdp.value, asn.CRLDistributionPoints)];
    assert.ok(
      points.every((p) => p.reasons === undefined && p.cRLIssuer === undefined),
      `${row.name}: no reasons or cRLIssuer`,
    );
    assert.deepEqual(
      points.flatMap((p) => [...(p.distributionPoint?.fullName ?? [])].map((n) => n.uniformResourceIdentifier)),
      [row.crl],
      `${row.name}: CRL DP URL`,
    );
  }
  const aia = ext(cert, OID.extAuthorityInfoAccess);
  if (!row.aia) return assert.equal(aia, undefined, `${row.name}: no AIA`);
  assert.ok(aia && !aia.critical, `${row.name}: AIA present, non-critical`);
  const found = [...AsnConvert.parse(aia.value, asn.AuthorityInfoAccessSyntax)].map((d) => [d.accessMethod, d.accessLocation.uniformResourceIdentifier]);
  const wanted = [[asn.id_ad_caIssuers, row.aia.caIssuers], ...(row.aia.ocsp ? [[asn.id_ad_ocsp, row.aia.ocsp]] : [])];
  assert.deepEqual(found, wanted, `${row.name}: AIA caIssuers first, then OCSP, all http`);
}

function checkSan(row: Row): void {
  const found = ext(row.cert(), OID.extSubjectAltName);
  if (!row.san) return assert.equal(found, undefined, `${row.name}: no subjectAltName`);
  assert.ok(found && !found.critical, `${row.name}: subjectAltName present, non-critical`);
  const names = [...AsnConvert.parse(found.value, asn.SubjectAlternativeName)];
  const fascn = names.find((n) => n.otherName?.typeId === OID.pivFascn)?.otherName;
  if (row.san.fascn) assert.equal(AsnConvert.parse(fascn?.value as ArrayBuffer, OctetString).byteLength, 25, `${row.name}: 25-byte pivFASC-N otherName`);
  else assert.equal(fascn, undefined, `${row.name}: no FASC-N`);
  const uuids = names.filter((n) => /^urn:uuid:[0-9a-f-]{36}$/.test(n.uniformResourceIdentifier ?? ''));
  assert.equal(uuids.length, row.san.uuid ? 1 : 0, `${row.name}: UUID URN`);
  assert.deepEqual(
    names.filter((n) => n.dNSName).map((n) => n.dNSName),
    [...(row.san.dns ?? [])],
    `${row.name}: DNS names`,
  );
  if (row.san.ip)
    assert.ok(
      names.some((n) => n.iPAddress),
      `${row.name}: an IP address`,
    );
}

function checkKeyAndValidity(row: Row): void {
  const cert = row.cert();
  const key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  assert.ok(KEYS.includes(`${key.asymmetricKeyType}:${key.asymmetricKeyType === 'ec' ? details.namedCurve : details.modulusLength}`), `${row.name}: key RSA 2048-4096 or EC P-256/P-384`);
  assert.ok(SIGNATURES.includes(tbs(cert).signature.algorithm), `${row.name}: signature algorithm`);
  assert.ok((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS <= row.maxDays, `${row.name}: validity at most ${row.maxDays} days`);
  assert.ok(cert.notAfter <= row.parent().notAfter, `${row.name}: ends no later than its issuer`);
  assert.equal(ext(cert, OID.ocspNoCheck) !== undefined, row.ocspNoCheck === true, `${row.name}: id-pkix-ocsp-nocheck`);
  const urls = [row.crl, row.aia?.caIssuers, row.aia?.ocsp].filter((u): u is string => u !== undefined);
  assert.ok(
    urls.every((u) => u.startsWith(`${BASE}/`)),
    `${row.name}: every URL under the configured base, over http`,
  );
}

describe('every certificate muster issues meets its FPKI Common Policy SSP profile (worksheets v2.2)', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let ca: CaHierarchy;
  let tlsCa: CertificateAuthority;
  const issued: Record<string, X509Certificate> = {};

  before(async () => {
    ca = await createCaHierarchy({ rootName: `CN=Demo Agency Root CA,${ORG}`, issuingName: `CN=Demo Agency PIV Issuing CA,${ORG}`, issuingPointers: ROOT_POINTERS }, clock);
    tlsCa = await createSubordinateCa(ca.root, { name: tlsCaName(`CN=Demo Agency PIV Issuing CA,${ORG}`), key: await generateCaKey('ecdsa-p384'), policies: [], pointers: ROOT_POINTERS }, clock);
    issued['ocsp-responder'] = (await issueResponder(ca.issuing, await generateCaKey('ecdsa-p256'), clock)).certificate;
    issued.tls = (await issueTlsServerCertificate(tlsCa, [tlsCa.certificate], ['id.agency.example', '127.0.0.1'], clock.now())).certificate;
    const issuer = createIssuer({ ca: ca.issuing, clock, urls: LEAF_URLS });
    const card = {
      cardUuid: crypto.randomUUID(),
      fascn: encodeFascn({ agencyCode: '9700', systemCode: '0001', credentialNumber: '000042' }),
      notAfterLimit: new Date(clock.now().getTime() + 6 * 365 * DAY_MS),
    };
    const spki = async () => (await generateCaKey('ecdsa-p256')).spki;
    issued['piv-auth'] = (await issuer.issue('piv-auth', { ...card, spki: await spki(), subject: `CN=Jane Doe,${ORG}` })).certificate;
    issued['card-auth'] = (await issuer.issue('card-auth', { ...card, spki: await spki(), subject: `CN=${card.cardUuid},${ORG}` })).certificate;
    issued['derived-piv-auth'] = (await issuer.issue('derived-piv-auth', { spki: await spki(), subject: `CN=Jane Doe,${ORG}`, hardwareBacked: true })).certificate;
  });

  const root = () => ca.root.certificate;
  const issuing = () => ca.issuing.certificate;
  const leaf = (name: string) => () => issued[name] as X509Certificate;
  const pointers = { crl: LEAF_URLS.crl, aia: { caIssuers: LEAF_URLS.caIssuers, ocsp: LEAF_URLS.ocsp } };
  const ROWS: Row[] = [
    { name: 'root CA', cert: root, parent: root, ca: { pathLen: null }, keyUsage: CA_USAGE, policies: [], maxDays: 7305 },
    {
      name: 'PIV issuing CA',
      cert: issuing,
      parent: root,
      ca: { pathLen: 0 },
      keyUsage: CA_USAGE,
      policies: PIV_POLICIES,
      crl: ROOT_POINTERS.crl,
      aia: { caIssuers: ROOT_POINTERS.caIssuers },
      maxDays: 3653,
    },
    {
      name: 'TLS issuing CA',
      cert: () => tlsCa.certificate,
      parent: root,
      ca: { pathLen: 0 },
      keyUsage: CA_USAGE,
      policies: [],
      crl: ROOT_POINTERS.crl,
      aia: { caIssuers: ROOT_POINTERS.caIssuers },
      maxDays: 3653,
    },
    {
      name: 'delegated OCSP responder',
      cert: leaf('ocsp-responder'),
      parent: issuing,
      keyUsage: KeyUsageFlags.digitalSignature,
      eku: { includes: [OID.ekuOcspSigning], critical: true, only: true },
      policies: PIV_POLICIES,
      ocspNoCheck: true,
      maxDays: 120,
    },
    {
      name: 'TLS server',
      cert: leaf('tls'),
      parent: () => tlsCa.certificate,
      keyUsage: KeyUsageFlags.digitalSignature,
      eku: { includes: [OID.ekuServerAuth], critical: false, only: true },
      policies: [],
      san: { dns: ['id.agency.example'], ip: true },
      maxDays: 30,
    },
    {
      name: 'PIV Authentication',
      cert: leaf('piv-auth'),
      parent: issuing,
      keyUsage: KeyUsageFlags.digitalSignature,
      ...pointers,
      eku: { includes: [OID.ekuClientAuth, OID.ekuSmartCardLogon, OID.ekuPkinitClientAuth], critical: false, forbidden: NOT_FOR_AUTH },
      policies: [OID.policyCommonAuthentication],
      san: { fascn: true, uuid: true },
      maxDays: 1096,
    },
    {
      name: 'Card Authentication',
      cert: leaf('card-auth'),
      parent: issuing,
      keyUsage: KeyUsageFlags.digitalSignature,
      ...pointers,
      eku: { includes: [OID.pivCardAuth], critical: true, only: true },
      policies: [OID.policyCommonCardAuth],
      san: { fascn: true, uuid: true },
      maxDays: 1096,
    },
    {
      name: 'Derived PIV Authentication (hardware)',
      cert: leaf('derived-piv-auth'),
      parent: issuing,
      keyUsage: KeyUsageFlags.digitalSignature,
      ...pointers,
      eku: { includes: [OID.ekuClientAuth], critical: false, forbidden: [...NOT_FOR_AUTH, OID.ekuServerAuth] },
      policies: [OID.policyDerivedPivAuthHardware],
      san: { uuid: true },
      maxDays: 1096,
    },
  ];

  const RULES = {
    names: checkNames,
    'basicConstraints and keyUsage': checkBasics,
    extKeyUsage: checkEku,
    certificatePolicies: checkPolicies,
    'AKI and SKI': checkKeyIdentifiers,
    'CRL DP and AIA': checkPointers,
    subjectAltName: checkSan,
    'key, signature, validity, ocsp-nocheck and URLs': checkKeyAndValidity,
  };
  for (const row of ROWS) {
    describe(row.name, () => {
      for (const [rule, check] of Object.entries(RULES)) test(rule, () => check(row));
    });
  }
});
