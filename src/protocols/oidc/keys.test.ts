import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify } from 'jose';
import { useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { currentJwks, maintainSigningKeys } from './keys.ts';

const DAY = 86_400_000;
const schedule = { rotationDays: 30, maxTokenTtlSeconds: 600 };
const publicSet = (jwks: { keys: Record<string, unknown>[] }) => ({ keys: jwks.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub) });

async function signWith(jwks: { keys: Record<string, unknown>[] }): Promise<string> {
  const jwk = jwks.keys[0]!;
  return new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: String(jwk.kid) }).sign(await importJWK(jwk as never, 'RS256'));
}

describeEachStore('OP signing keys', (factory) => {
  const h = useHarness(factory);

  test('the first key is made and signs; the next is published a day ahead, takes over at rotation, and the old one stays published until its tokens expire', async () => {
    assert.equal(await maintainSigningKeys(h.store, h.keyVault, h.clock, schedule), true);
    const first = await currentJwks(h.store, h.keyVault, h.clock);
    assert.equal(first.keys.length, 1);
    const oldToken = await signWith(first as never);
    assert.equal(await maintainSigningKeys(h.store, h.keyVault, h.clock, schedule), false, 'nothing due yet');

    h.clock.advance(29 * DAY + 60_000);
    assert.equal(await maintainSigningKeys(h.store, h.keyVault, h.clock, schedule), true);
    const published = await currentJwks(h.store, h.keyVault, h.clock);
    assert.deepEqual(published.keys.map((k) => k.kid)[0], first.keys[0]!.kid, 'the published next key does not sign yet');
    assert.equal(published.keys.length, 2);

    h.clock.advance(DAY);
    assert.equal(await maintainSigningKeys(h.store, h.keyVault, h.clock, schedule), true);
    const rotated = await currentJwks(h.store, h.keyVault, h.clock);
    assert.equal(rotated.keys.length, 2);
    assert.equal(rotated.keys[0]!.kid, published.keys[1]!.kid, 'the new key signs');
    assert.equal(rotated.keys[1]!.kid, first.keys[0]!.kid, 'the retired key is still published');
    const verifier = createLocalJWKSet(publicSet(rotated as never) as never);
    assert.equal((await jwtVerify(oldToken, verifier)).payload.sub, 'x', 'a token of the old key still verifies');
    const newToken = await signWith(rotated as never);
    assert.equal((await jwtVerify(newToken, verifier)).protectedHeader.kid, rotated.keys[0]!.kid);

    h.clock.advance(601_000);
    await maintainSigningKeys(h.store, h.keyVault, h.clock, schedule);
    const after = await currentJwks(h.store, h.keyVault, h.clock);
    assert.deepEqual(
      after.keys.map((k) => k.kid),
      [rotated.keys[0]!.kid],
      'dropped once its tokens have expired',
    );
    await assert.rejects(jwtVerify(oldToken, createLocalJWKSet(publicSet(after as never) as never)));
  });
});
