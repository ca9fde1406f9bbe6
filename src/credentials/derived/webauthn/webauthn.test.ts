import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { isMusterError } from '../../../core/errors.ts';
import { authenticationOptions, registrationOptions, verifyAuthentication, verifyRegistration, type RegistrationResponseJSON, type WebAuthnPolicy } from './index.ts';
import { keyObject, testCertificate, TestAuthenticator, type Ceremony } from './test-authenticator.ts';

const ORIGIN = 'https://id.agency.gov';
const AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const POLICY: WebAuthnPolicy = { rpId: 'id.agency.gov', rpName: 'Demo Agency', origins: [ORIGIN], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
const USER = { identityId: 'mur-000123', name: 'jane.doe@agency.gov', displayName: 'Jane Doe' };

const challenge = (): string => randomBytes(32).toString('base64url');
const ceremony = (overrides: Partial<Ceremony> = {}): Ceremony => ({ rpId: POLICY.rpId, origin: ORIGIN, challenge: challenge(), ...overrides });

async function refused(promise: Promise<unknown>, field: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isMusterError(error, 'MUSTER_ERR_DERIVED_BINDING'), String(error));
    assert.equal(error.details[0]?.field, field, error.message);
    return true;
  });
}

describe('WebAuthn options', () => {
  test('registration asks for direct attestation and required user verification, echoing the challenge', async () => {
    const c = challenge();
    const options = await registrationOptions(POLICY, USER, c, ['AAEC']);
    assert.equal(options.challenge, c);
    assert.deepEqual(options.rp, { id: 'id.agency.gov', name: 'Demo Agency' });
    assert.deepEqual(options.user, { id: Buffer.from('mur-000123').toString('base64url'), name: 'jane.doe@agency.gov', displayName: 'Jane Doe' });
    assert.equal(options.attestation, 'direct');
    assert.deepEqual(options.authenticatorSelection, { residentKey: 'preferred', userVerification: 'required', requireResidentKey: false });
    assert.deepEqual(
      options.pubKeyCredParams.map((p) => p.alg),
      [-7, -35, -8, -257],
    );
    assert.deepEqual(options.excludeCredentials, [{ id: 'AAEC', type: 'public-key' }]);
    assert.equal(options.timeout, 120_000);
  });

  test('authentication requires user verification and lists the bound credentials', async () => {
    const c = challenge();
    const options = await authenticationOptions(POLICY, c, [{ credentialId: 'AAEC', transports: ['usb', 'nfc'] }, { credentialId: 'AwQF' }]);
    assert.equal(options.challenge, c);
    assert.equal(options.rpId, 'id.agency.gov');
    assert.equal(options.userVerification, 'required');
    assert.deepEqual(options.allowCredentials, [
      { id: 'AAEC', transports: ['usb', 'nfc'], type: 'public-key' },
      { id: 'AwQF', type: 'public-key' },
    ]);
  });

  test('a short or non-base64url challenge, an oversized user handle and a bad credential id are refused', async () => {
    await refused(registrationOptions(POLICY, USER, 'AAAA', []), 'challenge');
    await refused(authenticationOptions(POLICY, 'not base64url!', []), 'challenge');
    await refused(registrationOptions(POLICY, { ...USER, identityId: 'x'.repeat(65) }, challenge(), []), 'user.identityId');
    await refused(registrationOptions(POLICY, USER, challenge(), ['a/b']), 'exclude');
    await refused(registrationOptions({ ...POLICY, origins: [] }, USER, challenge(), []), 'origin');
  });
});

describe('WebAuthn registration refusals', () => {
  const authenticator = new TestAuthenticator(AAGUID);

  test('garbage is refused as a malformed response', async () => {
    for (const garbage of [
      null,
      'x',
      {},
      { id: 'a', rawId: 'b', type: 'public-key', response: {} },
      { id: 'AA', rawId: 'AA', type: 'public-key', response: { clientDataJSON: 'AA', attestationObject: 'AA' } },
    ]) {
      await refused(verifyRegistration(POLICY, garbage as unknown as RegistrationResponseJSON, challenge()), 'response');
    }
  });

  test('a wrong challenge, origin, RP id or ceremony type is refused by name', async () => {
    const c = ceremony();
    const response = authenticator.register(c);
    await refused(verifyRegistration(POLICY, response, challenge()), 'challenge');
    await refused(verifyRegistration(POLICY, authenticator.register({ ...c, origin: 'https://evil.example' }), c.challenge), 'origin');
    await refused(verifyRegistration(POLICY, authenticator.register({ ...c, rpId: 'evil.example' }), c.challenge), 'rpId');
    await refused(verifyRegistration(POLICY, authenticator.register({ ...c, type: 'webauthn.get' }), c.challenge), 'type');
  });

  test('a registration without user verification is refused', async () => {
    const c = ceremony({ uv: false });
    await refused(verifyRegistration(POLICY, authenticator.register(c), c.challenge), 'userVerification');
  });

  test("'none' attestation binds at AAL2 untrusted, and is refused when trust is required", async () => {
    const c = ceremony({ counter: 7 });
    const binding = await verifyRegistration(POLICY, authenticator.register(c), c.challenge);
    assert.deepEqual(
      { ...binding, publicKey: [...binding.publicKey] },
      {
        credentialId: authenticator.credentialId.toString('base64url'),
        publicKey: [...authenticator.cosePublicKey()],
        counter: 7,
        aaguid: AAGUID,
        attestationFormat: 'none',
        attestationTrusted: false,
        deviceType: 'singleDevice',
        backedUp: false,
        userVerified: true,
        transports: ['usb'],
        aal: 'AAL2',
      },
    );
    await refused(verifyRegistration({ ...POLICY, requireTrustedAttestation: true }, authenticator.register(c), c.challenge), 'attestation');
  });
});

describe('WebAuthn packed attestation and the AAL decision', () => {
  let rootPem = '';
  let otherRootPem = '';
  let attested: TestAuthenticator;

  before(async () => {
    const root = await testCertificate({ subject: 'CN=Test FIDO Root,O=Test Vendor,C=US', ca: true });
    const other = await testCertificate({ subject: 'CN=Test FIDO Root,O=Test Vendor,C=US', ca: true });
    const leaf = await testCertificate({
      subject: 'CN=Test Key Batch 1,OU=Authenticator Attestation,O=Test Vendor,C=US',
      ca: false,
      issuer: { name: 'CN=Test FIDO Root,O=Test Vendor,C=US', key: root.key },
    });
    rootPem = root.certificate.toString('pem');
    otherRootPem = other.certificate.toString('pem');
    attested = new TestAuthenticator(AAGUID, { key: keyObject(leaf.key), x5c: [leaf.certificate] });
  });

  test('a chain to a configured root is trusted and earns AAL3; the AAGUID list can narrow that', async () => {
    const c = ceremony();
    const response = attested.register(c);
    const trusted = await verifyRegistration({ ...POLICY, attestationRoots: [rootPem], requireTrustedAttestation: true }, response, c.challenge);
    assert.deepEqual([trusted.attestationFormat, trusted.attestationTrusted, trusted.aal], ['packed', true, 'AAL3']);
    const listed = await verifyRegistration({ ...POLICY, attestationRoots: [rootPem], aal3Aaguids: [AAGUID] }, response, c.challenge);
    assert.equal(listed.aal, 'AAL3');
    const unlisted = await verifyRegistration({ ...POLICY, attestationRoots: [rootPem], aal3Aaguids: ['00000000-0000-0000-0000-000000000001'] }, response, c.challenge);
    assert.deepEqual([unlisted.attestationTrusted, unlisted.aal], [true, 'AAL2']);
  });

  test('no root, or a root of the same name with another key, leaves it untrusted at AAL2', async () => {
    const c = ceremony();
    const response = attested.register(c);
    for (const attestationRoots of [[], [otherRootPem]]) {
      const binding = await verifyRegistration({ ...POLICY, attestationRoots }, response, c.challenge);
      assert.deepEqual([binding.attestationTrusted, binding.aal], [false, 'AAL2']);
    }
    await refused(verifyRegistration({ ...POLICY, attestationRoots: [otherRootPem], requireTrustedAttestation: true }, response, c.challenge), 'attestation');
  });

  test('a backed-up credential stays AAL2 with trusted attestation', async () => {
    const c = ceremony({ backedUp: true });
    const binding = await verifyRegistration({ ...POLICY, attestationRoots: [rootPem] }, attested.register(c), c.challenge);
    assert.deepEqual([binding.attestationTrusted, binding.deviceType, binding.backedUp, binding.aal], [true, 'multiDevice', true, 'AAL2']);
  });

  test('an attestation signature over other client data is refused', async () => {
    const c = ceremony();
    const response = attested.register(c);
    const other = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: c.challenge, origin: ORIGIN, crossOrigin: false, extra: 1 })).toString('base64url');
    await refused(verifyRegistration(POLICY, { ...response, response: { ...response.response, clientDataJSON: other } }, c.challenge), 'attestation');
  });
});

describe('WebAuthn authentication', () => {
  const authenticator = new TestAuthenticator(AAGUID);
  const stored = { credentialId: authenticator.credentialId.toString('base64url'), publicKey: authenticator.cosePublicKey(), counter: 4 };

  test('a verified login returns the new counter', async () => {
    const c = ceremony({ counter: 5 });
    assert.deepEqual(await verifyAuthentication(POLICY, authenticator.login(c), c.challenge, stored), { newCounter: 5, userVerified: true });
  });

  test('refusals name the challenge, origin, counter, user verification, credential and signature', async () => {
    const c = ceremony({ counter: 5 });
    await refused(verifyAuthentication(POLICY, authenticator.login(c), challenge(), stored), 'challenge');
    await refused(verifyAuthentication(POLICY, authenticator.login({ ...c, origin: 'https://evil.example' }), c.challenge, stored), 'origin');
    await refused(verifyAuthentication(POLICY, authenticator.login({ ...c, counter: 4 }), c.challenge, stored), 'counter');
    await refused(verifyAuthentication(POLICY, authenticator.login({ ...c, uv: false }), c.challenge, stored), 'userVerification');
    await refused(verifyAuthentication(POLICY, authenticator.login(c), c.challenge, { ...stored, credentialId: 'AAEC' }), 'credentialId');
    await refused(verifyAuthentication(POLICY, authenticator.login(c), c.challenge, { ...stored, publicKey: new TestAuthenticator(AAGUID).cosePublicKey() }), 'signature');
    await refused(verifyAuthentication(POLICY, { garbage: true } as never, c.challenge, stored), 'response');
  });
});
