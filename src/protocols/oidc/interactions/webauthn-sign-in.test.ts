import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness } from '../../../../test/support/muster.ts';
import { describeEachStore } from '../../../../test/support/stores.ts';
import { TestAuthenticator } from '../../../credentials/derived/webauthn/test-authenticator.ts';
import { signChallenge } from '../../../credentials/test-fixtures.ts';
import { SignInRefused, type RefusalReason } from './refusal.ts';
import { BY, importPeople, ORIGIN, signInWorld, WEBAUTHN, type SignInWorld } from './test-fixtures.ts';
import { signInOptions, verifySignIn } from './webauthn-sign-in.ts';

const refusedFor = (reason: RefusalReason) => (error: unknown) => error instanceof SignInRefused && error.reason === reason;

describeEachStore('FIDO2 Derived PIV sign-in by WebAuthn', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let world: SignInWorld;
  const key = new TestAuthenticator('11111111-2222-3333-4444-555555555555');
  let credentialId = '';

  async function challenge(uid: string): Promise<string> {
    const options = await signInOptions(h.store, WEBAUTHN, uid, h.clock.now());
    assert.deepEqual([options.rpId, options.userVerification, options.allowCredentials], ['localhost', 'required', []]);
    return options.challenge;
  }

  before(async () => {
    world = await signInWorld(h);
    const start = await world.derived.start(world.ids.E1, BY);
    const registration = key.register({ rpId: 'localhost', origin: ORIGIN, challenge: start.challenge });
    const { card, key: pivKey } = world.card.E1;
    credentialId = (
      await world.derived.bindFido2(
        { identityId: world.ids.E1, challengeId: start.challengeId, pivCertificate: card.certificates[0]!.pem, signature: signChallenge(pivKey, start.challenge), registration },
        BY,
      )
    ).credentialId;
  });

  test('a bound security key signs in at the AAL decided at binding; a replayed assertion is refused', async () => {
    const response = key.login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-1'), counter: 1 });
    const match = await verifySignIn(h.store, WEBAUTHN, 'interaction-1', response, h.clock.now());
    assert.deepEqual([match.identityId, match.credentialId, match.aal], [world.ids.E1, credentialId, 'aal2']);
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-1', response, h.clock.now()), refusedFor('webauthn-replayed'));
    await challenge('interaction-1');
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-1', response, h.clock.now()), refusedFor('webauthn-invalid'), 'the old response does not sign the new challenge');
  });

  test('a signature counter that does not advance is refused as a replay (a cloned key)', async () => {
    const response = key.login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-2'), counter: 1 });
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-2', response, h.clock.now()), refusedFor('webauthn-replayed'));
    const fresh = key.login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-2'), counter: 2 });
    assert.equal((await verifySignIn(h.store, WEBAUTHN, 'interaction-2', fresh, h.clock.now())).credentialId, credentialId);
  });

  test('another origin, an unknown key, and an expired challenge are refused', async () => {
    const phished = key.login({ rpId: 'localhost', origin: 'https://evil.example', challenge: await challenge('interaction-3'), counter: 3 });
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-3', phished, h.clock.now()), refusedFor('webauthn-invalid'));
    const stranger = new TestAuthenticator('11111111-2222-3333-4444-555555555555').login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-3'), counter: 1 });
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-3', stranger, h.clock.now()), refusedFor('unknown-authenticator'));
    const late = key.login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-3'), counter: 4 });
    h.clock.advance(6 * 60_000);
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-3', late, h.clock.now()), refusedFor('webauthn-replayed'));
  });

  test("a terminated identity's key is refused at once", async () => {
    await importPeople(h, { E1: 'terminated' }, 'hr-leaver.csv');
    const response = key.login({ rpId: 'localhost', origin: ORIGIN, challenge: await challenge('interaction-4'), counter: 5 });
    await assert.rejects(verifySignIn(h.store, WEBAUTHN, 'interaction-4', response, h.clock.now()), refusedFor('identity-inactive'));
  });
});
