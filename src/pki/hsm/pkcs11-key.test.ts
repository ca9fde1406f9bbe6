import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { Module, ObjectClass, UserType, type Session } from 'graphene-pk11';
import { isMusterError } from '../../core/errors.ts';
import type { CaKeyAlgorithm } from '../keys.ts';
import { OID } from '../oids.ts';
import { createSoftHsmToken, softHsmSkip, type SoftHsmToken } from '../../../test/support/softhsm.ts';
import { openPkcs11CaKey, type Pkcs11CaKey, type Pkcs11KeyOptions } from './pkcs11-key.ts';

const DATA = new TextEncoder().encode('tbsCertificate stand-in');
let token: SoftHsmToken;

function options(keyLabel: string, algorithm: CaKeyAlgorithm, create = false): Pkcs11KeyOptions {
  return { module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, keyLabel, algorithm, create };
}

/** Node's own DER export of the same public key: the SPKI must already be canonical. */
function canonicalSpki(spki: Uint8Array): Buffer {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
}

function verifies(key: Pkcs11CaKey, signature: Uint8Array, data = DATA): boolean {
  const hash = key.algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
  const publicKey = { key: Buffer.from(key.spki), format: 'der' as const, type: 'spki' as const, dsaEncoding: 'der' as const };
  return verify(hash, data, publicKey, signature);
}

function hsmFailure(key: string, forbidden: readonly string[] = []) {
  return (error: unknown): boolean => {
    assert.ok(isMusterError(error, 'MUSTER_ERR_PKI_HSM'), `expected MUSTER_ERR_PKI_HSM, got ${String(error)}`);
    assert.deepEqual(
      error.details.map((d) => d.key),
      [key],
    );
    for (const secret of forbidden) assert.ok(!JSON.stringify(error.toJSON()).includes(secret), 'the error must not carry the PIN');
    return true;
  };
}

/** Looks at the token with graphene directly, outside muster's module sharing (call it with every key closed). */
function inspect<T>(look: (session: Session) => T): T {
  const module = Module.load(token.module);
  module.initialize();
  try {
    const slot = [...module.getSlots(true)].find((s) => s.getToken().label === token.tokenLabel);
    assert.ok(slot, 'the token is present');
    const session = slot.open();
    session.login(token.pin, UserType.USER);
    return look(session);
  } finally {
    module.finalize();
    module.close();
  }
}

describe('PKCS#11 CA keys on SoftHSM2', { skip: softHsmSkip() }, () => {
  before(async () => {
    token = await createSoftHsmToken('muster-unit');
  });
  after(() => token?.cleanup());

  test('create generates an ecdsa-p256 pair on the token whose DER signatures verify under its SPKI', async () => {
    const key = await openPkcs11CaKey(options('ec256', 'ecdsa-p256', true));
    try {
      assert.equal(key.created, true);
      assert.equal(key.signatureOid, OID.ecdsaWithSha256);
      const info = AsnConvert.parse(key.spki, SubjectPublicKeyInfo);
      assert.equal(info.algorithm.algorithm, '1.2.840.10045.2.1');
      assert.equal(info.subjectPublicKey.byteLength, 65);
      assert.deepEqual(Buffer.from(key.spki), canonicalSpki(key.spki));
      assert.deepEqual(key.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
      const signature = await key.sign(DATA);
      assert.equal(signature[0], 0x30, 'an ECDSA-Sig-Value SEQUENCE');
      assert.equal(verifies(key, signature), true);
      assert.equal(verifies(key, signature, new TextEncoder().encode('other data')), false);
    } finally {
      key.close();
    }
  });

  test('reopening by label finds the same key, with or without create, and signs for the same SPKI', async () => {
    const first = await openPkcs11CaKey(options('ec384', 'ecdsa-p384', true));
    const spki = Buffer.from(first.spki);
    first.close();
    const again = await openPkcs11CaKey(options('ec384', 'ecdsa-p384'));
    const withCreate = await openPkcs11CaKey(options('ec384', 'ecdsa-p384', true));
    try {
      assert.equal(again.created, false);
      assert.equal(withCreate.created, false);
      assert.deepEqual(Buffer.from(again.spki), spki);
      assert.deepEqual(Buffer.from(withCreate.spki), spki);
      assert.equal(verifies(first, await again.sign(DATA)), true);
      const signatures = await Promise.all([1, 2, 3, 4, 5].map(() => withCreate.sign(DATA)));
      assert.deepEqual(
        signatures.map((s) => verifies(first, s)),
        [true, true, true, true, true],
      );
    } finally {
      again.close();
      withCreate.close();
    }
    assert.equal(
      inspect((s) => s.find({ class: ObjectClass.PRIVATE_KEY, label: 'ec384' }).length),
      1,
    );
  });

  test('rsa-2048 signs PKCS#1 v1.5 SHA-256 on the token', async () => {
    const key = await openPkcs11CaKey(options('rsa2048', 'rsa-2048', true));
    try {
      assert.equal(key.signatureOid, OID.sha256WithRsa);
      assert.deepEqual(Buffer.from(key.spki), canonicalSpki(key.spki));
      assert.equal(createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
      const signature = await key.sign(DATA);
      assert.equal(signature.length, 256);
      assert.equal(verifies(key, signature), true);
      assert.equal(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key.publicKey, signature, DATA), true);
    } finally {
      key.close();
    }
  });

  test('the private key is a sensitive, never-extractable, signing-only token object sharing CKA_ID with its public key', async () => {
    (await openPkcs11CaKey(options('attrs', 'ecdsa-p256', true))).close();
    const seen = inspect((session) => {
      const privateKeys = session.find({ class: ObjectClass.PRIVATE_KEY, label: 'attrs' });
      assert.equal(privateKeys.length, 1);
      const attributes = privateKeys.items(0).getAttribute({
        token: null,
        private: null,
        sensitive: null,
        extractable: null,
        alwaysSensitive: null,
        neverExtractable: null,
        sign: null,
        decrypt: null,
        id: null,
      });
      const publicKeys = session.find({ class: ObjectClass.PUBLIC_KEY, id: attributes.id });
      return { ...attributes, id: attributes.id?.length, publicKeys: publicKeys.length, publicLabel: publicKeys.items(0).getAttribute({ label: null }).label };
    });
    assert.deepEqual(seen, {
      token: true,
      private: true,
      sensitive: true,
      extractable: false,
      alwaysSensitive: true,
      neverExtractable: true,
      sign: true,
      decrypt: false,
      id: 20,
      publicKeys: 1,
      publicLabel: 'attrs',
    });
  });

  test('a wrong PIN is refused as pki.hsm.pin, both at login and while the token is already logged in', async () => {
    const wrong = '000000-not-the-pin';
    await assert.rejects(openPkcs11CaKey({ ...options('ec256', 'ecdsa-p256'), pin: wrong }), hsmFailure('pki.hsm.pin', [wrong, token.pin]));
    const open = await openPkcs11CaKey(options('ec256', 'ecdsa-p256'));
    try {
      await assert.rejects(openPkcs11CaKey({ ...options('ec256', 'ecdsa-p256'), pin: wrong }), hsmFailure('pki.hsm.pin', [wrong, token.pin]));
      assert.equal(verifies(open, await open.sign(DATA)), true, 'the open key still signs');
    } finally {
      open.close();
    }
  });

  test('a missing key label without create is refused as pki.hsm.keyLabel and creates nothing', async () => {
    await assert.rejects(openPkcs11CaKey(options('absent', 'ecdsa-p256')), (error: unknown) => {
      hsmFailure('pki.hsm.keyLabel')(error);
      assert.match((error as Error).message, /no private key labelled "absent"/);
      return true;
    });
    assert.equal(
      inspect((s) => s.find({ label: 'absent' }).length),
      0,
    );
  });

  test('an unsupported algorithm, or a key of another algorithm under the label, is refused as pki.hsm.algorithm', async () => {
    await assert.rejects(openPkcs11CaKey(options('ed', 'ed25519' as CaKeyAlgorithm, true)), hsmFailure('pki.hsm.algorithm'));
    await assert.rejects(openPkcs11CaKey(options('ec256', 'ecdsa-p384')), hsmFailure('pki.hsm.algorithm'));
    await assert.rejects(openPkcs11CaKey(options('ec256', 'rsa-2048')), hsmFailure('pki.hsm.algorithm'));
    await assert.rejects(openPkcs11CaKey(options('rsa2048', 'rsa-3072')), hsmFailure('pki.hsm.algorithm'));
  });

  test('an unknown token label and an unloadable module are refused, naming the option', async () => {
    await assert.rejects(openPkcs11CaKey({ ...options('ec256', 'ecdsa-p256'), tokenLabel: 'no-such-token' }), (error: unknown) => {
      hsmFailure('pki.hsm.tokenLabel')(error);
      assert.match((error as Error).message, /no PKCS#11 token labelled "no-such-token".*muster-unit/);
      return true;
    });
    await assert.rejects(openPkcs11CaKey({ ...options('ec256', 'ecdsa-p256'), module: '/nonexistent/libpkcs11.so' }), hsmFailure('pki.hsm.module'));
  });

  test('a closed key refuses to sign', async () => {
    const key = await openPkcs11CaKey(options('ec256', 'ecdsa-p256'));
    key.close();
    await assert.rejects(key.sign(DATA), hsmFailure('pki.hsm.keyLabel'));
  });
});
