import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { checkAssertion, REQUIRED_CLAIMS } from './assertion.ts';
import { isRpError, type RpErrorCode } from './errors.ts';
import { certificateThumbprint } from './thumbprint.ts';
import { FAL3_AGENCY, OTHER_AGENCY, pivClaims, testAgreements } from './test-fixtures.ts';

const ISSUER = 'https://piv-idp.agency.example';
const NOW = 1_900_000_000;
const agreements = testAgreements(ISSUER);
const keys = await generateKeyPair('RS256');

/** Signs an ID token as the IdP would, verifies it as openid-client would, and returns its claims. */
async function idToken(claims: Record<string, unknown>, drop: string[] = []): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { sub: 'subject-1', ...pivClaims({ auth_time: NOW - 60 }, NOW), ...claims };
  for (const name of drop) delete body[name];
  const jwt = await new SignJWT(body)
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(ISSUER)
    .setAudience('rp-1')
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 300)
    .sign(keys.privateKey);
  await jwtVerify(jwt, keys.publicKey, { issuer: ISSUER, audience: 'rp-1', currentDate: new Date(NOW * 1000) });
  return decodeJwt(jwt);
}

function refused(code: RpErrorCode, claim?: string) {
  return (error: unknown) => isRpError(error, code) && (claim === undefined || error.details.claim === claim);
}

test('a complete assertion from the PIV IdP of the home agency passes and is read', async () => {
  const assertion = checkAssertion(await idToken({}), { agreements, now: NOW, clientId: 'rp-1' });
  assert.deepEqual(assertion.identifier, { iss: ISSUER, sub: 'subject-1' });
  assert.equal(assertion.agreement.id, 'home');
  assert.equal(assertion.aal, 'aal3');
  assert.equal(assertion.fal, 'fal2');
  assert.equal(assertion.authTime, NOW - 60);
  assert.equal(assertion.boundAuthenticatorRequired, false);
});

test('an IdP that is not the PIV IdP for the claimed home agency is refused', async () => {
  const other = await idToken({ piv_home_agency: OTHER_AGENCY });
  assert.throws(() => checkAssertion(other, { agreements, now: NOW }), refused('RP_ERR_WRONG_IDP'));
  const unknown = await idToken({ piv_home_agency: 'agency_code:1234' });
  assert.throws(() => checkAssertion(unknown, { agreements, now: NOW }), refused('RP_ERR_WRONG_IDP'));
  const onlyFinance = testAgreements(ISSUER, { affiliations: ['agency_code:4700/sub:FIN'] });
  const home = await idToken({});
  assert.throws(() => checkAssertion(home, { agreements: onlyFinance, now: NOW }), refused('RP_ERR_WRONG_IDP'), 'affiliation outside the agreement');
});

test('every required SP 800-217 element is required, and the refusal names it', async () => {
  for (const claim of REQUIRED_CLAIMS) {
    const claims = await idToken({}, [claim]);
    assert.throws(() => checkAssertion(claims, { agreements, now: NOW }), refused('RP_ERR_MISSING_CLAIM', claim), claim);
  }
});

test('values outside the profile are refused', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ piv_federation: false }, 'piv_federation'],
    [{ ial: 'ial2' }, 'ial'],
    [{ aal: 'aal1' }, 'aal'],
    [{ fal: 'FAL2' }, 'fal'],
    [{ piv_credential_type: 'password' }, 'piv_credential_type'],
    [{ piv_org_affiliation: [] }, 'piv_org_affiliation'],
    [{ updated_at: '2026-01-01' }, 'updated_at'],
  ];
  for (const [claims, claim] of cases) {
    const token = await idToken(claims);
    assert.throws(() => checkAssertion(token, { agreements, now: NOW }), refused('RP_ERR_CLAIM_VALUE', claim), claim);
  }
});

test('an audience naming more than this RP is refused', async () => {
  const token = { ...(await idToken({})), aud: ['rp-1', 'rp-2'] };
  assert.throws(() => checkAssertion(token, { agreements, now: NOW, clientId: 'rp-1' }), refused('RP_ERR_CLAIM_VALUE', 'aud'));
});

test('FAL, AAL and authentication age below the agreement are refused', async () => {
  const strict = testAgreements(ISSUER, { minFal: 'fal3', minAal: 'aal3', maxAuthenticationAgeSeconds: 300 });
  const fal2 = await idToken({});
  assert.throws(() => checkAssertion(fal2, { agreements: strict, now: NOW }), refused('RP_ERR_FAL_TOO_LOW'));
  const aal3 = testAgreements(ISSUER, { minAal: 'aal3' });
  const aal2 = await idToken({ aal: 'aal2' });
  assert.throws(() => checkAssertion(aal2, { agreements: aal3, now: NOW }), refused('RP_ERR_AAL_TOO_LOW'));
  const old = await idToken({ auth_time: NOW - 3601 });
  assert.throws(() => checkAssertion(old, { agreements, now: NOW }), refused('RP_ERR_AUTH_TOO_OLD'));
  assert.equal(checkAssertion(await idToken({ auth_time: NOW - 3600 }), { agreements, now: NOW }).authTime, NOW - 3600);
});

test('FAL3 holder-of-key: cnf x5t#S256 must equal the thumbprint of the mutual-TLS client certificate', async () => {
  const seen = new Uint8Array([1, 2, 3, 4]);
  const other = new Uint8Array([9, 9, 9]);
  const fal3 = { piv_home_agency: FAL3_AGENCY, fal: 'fal3' };
  const bound = await idToken({ ...fal3, cnf: { 'x5t#S256': certificateThumbprint(seen) } });
  assert.equal(checkAssertion(bound, { agreements, now: NOW, clientCertificateThumbprint: certificateThumbprint(seen) }).certificateThumbprint, certificateThumbprint(seen));
  assert.throws(() => checkAssertion(bound, { agreements, now: NOW, clientCertificateThumbprint: certificateThumbprint(other) }), refused('RP_ERR_HOLDER_OF_KEY'));
  assert.throws(() => checkAssertion(bound, { agreements, now: NOW }), refused('RP_ERR_HOLDER_OF_KEY'));
  const neither = await idToken(fal3);
  assert.throws(() => checkAssertion(neither, { agreements, now: NOW }), refused('RP_ERR_MISSING_CLAIM', 'cnf'));
  const rpManaged = checkAssertion(await idToken({ ...fal3, bound_authn_required: true }), { agreements, now: NOW });
  assert.equal(rpManaged.boundAuthenticatorRequired, true);
});

test('the thumbprint is base64url SHA-256 of the DER certificate', () => {
  assert.equal(certificateThumbprint(new Uint8Array([])), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
});
