import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Signs and checks the OP's cookies in the form the `cookies` package expects of a Keygrip (HMAC-SHA-1 of
 * `name=value`, base64url without padding; the first key signs, any key verifies), so that cookies set before a
 * restart still verify. Keygrip itself compares through `tsscmp`, which MACs both sides again under a fresh random
 * Buffer key, and Node takes raw Buffer keys through a slow path: three MACs and a random draw per cookie read. Here
 * the keys are KeyObjects made once, and the comparison is Node's constant-time one.
 */
export class CookieSigner {
  readonly #keys: readonly KeyObject[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new TypeError('the cookie signer needs at least one key');
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return mac(this.#keys[0] as KeyObject, data);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** The position of the key that made `digest`, or -1. */
  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest), 'utf8');
    return this.#keys.findIndex((key) => {
      const expected = Buffer.from(mac(key, data), 'utf8');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }
}

function mac(key: KeyObject, data: string): string {
  return createHmac('sha1', key).update(data).digest('base64url');
}
