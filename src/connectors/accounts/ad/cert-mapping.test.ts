import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStrongMapping, strongMapping } from './cert-mapping.ts';

// openssl req -x509 -subj "/C=US/O=U.S. Government/OU=Agency, HQ/CN=Agency PIV CA" -set_serial 0x00ac1100002b
const CERTIFICATE = `
-----BEGIN CERTIFICATE-----
MIIB7jCCAZWgAwIBAgIGAKwRAAArMAoGCCqGSM49BAMCMFQxCzAJBgNVBAYTAlVT
MRgwFgYDVQQKDA9VLlMuIEdvdmVybm1lbnQxEzARBgNVBAsMCkFnZW5jeSwgSFEx
FjAUBgNVBAMMDUFnZW5jeSBQSVYgQ0EwHhcNMjYxMjA3MDQzNzI1WhcNMjYxMjEw
MDQzNzI1WjBUMQswCQYDVQQGEwJVUzEYMBYGA1UECgwPVS5TLiBHb3Zlcm5tZW50
MRMwEQYDVQQLDApBZ2VuY3ksIEhRMRYwFAYDVQQDDA1BZ2VuY3kgUElWIENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUPdu5Bev4bIc+v0YSnAOxAFZ30aRC3+S
L1a3WbpDnLA7Im2Ujwlx1aSGc5cTvXjboLuMbL/06/trmrq0KF4WrKNTMFEwHQYD
VR0OBBYEFJl2QgdapxI2DBP6CpiqXkD9m2MgMB8GA1UdIwQYMBaAFJl2QgdapxI2
DBP6CpiqXkD9m2MgMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIg
JKUaaXrPAVnS6cxibeeI9RqzaldbHc6L79Cgd5VSiswCICBDdHDbVDj62uAm8Q/C
DPM424nh+4Eqi6wX+kvVbUC0
-----END CERTIFICATE-----
`;

test('a card certificate maps as X509:<I>issuer<SR>serial, issuer root first and serial bytes reversed', () => {
  assert.equal(strongMapping(CERTIFICATE), 'X509:<I>C=US,O=U.S. Government,OU="Agency, HQ",CN=Agency PIV CA<SR>2B000011AC00');
});

test('the DER bytes map the same as the PEM', () => {
  const der = Buffer.from(CERTIFICATE.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.equal(strongMapping(der), strongMapping(CERTIFICATE));
});

test('only issuer-and-serial values count as strong mappings', () => {
  assert.equal(isStrongMapping('X509:<I>CN=CA<SR>01'), true);
  assert.equal(isStrongMapping('X509:<RFC822>pat@agency.example'), false);
  assert.equal(isStrongMapping('Kerberos:pat@AGENCY.EXAMPLE'), false);
});
