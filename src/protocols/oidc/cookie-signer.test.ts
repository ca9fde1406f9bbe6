import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CookieSigner } from './cookie-signer.ts';

describe('cookie signer', () => {
  const keys = ['first-key-0123456789abcdefghijklmnopqrstu', 'older-key-ñ-with-non-ascii'];
  const signer = new CookieSigner(keys);

  it('signs as Keygrip does (known answers from keygrip 1.1), so that cookies set before an upgrade still verify', () => {
    assert.equal(signer.sign('_interaction=abc'), '9c1hkEUycnfoI2IKHvuxTRNgyj0');
    assert.equal(signer.sign('ünïcode=✓'), 'nc07gGCUf8bilwyIkTfKpVudkcg');
    assert.equal(signer.index('_interaction=abc', '9c1hkEUycnfoI2IKHvuxTRNgyj0'), 0);
  });

  it('finds the key that signed, the first to sign and any to verify', () => {
    const byOlder = '3ZUuTcM3U9WRFuubP2b-Adga0qo';
    assert.equal(new CookieSigner([keys[1] as string]).sign('a=b'), byOlder);
    assert.equal(signer.index('a=b', byOlder), 1);
    assert.equal(signer.verify('a=b', byOlder), true);
  });

  it('refuses a digest of other data, another key, another length or none', () => {
    const digest = signer.sign('a=b');
    assert.equal(signer.index('a=c', digest), -1);
    assert.equal(signer.index('a=b', new CookieSigner(['other']).sign('a=b')), -1);
    assert.equal(signer.index('a=b', digest.slice(1)), -1);
    assert.equal(signer.index('a=b', `${digest}=`), -1);
    assert.equal(signer.index('a=b', ''), -1);
    assert.equal(signer.verify('a=b', 'not-a-digest'), false);
  });

  it('needs a key', () => {
    assert.throws(() => new CookieSigner([]), /at least one key/);
  });
});
