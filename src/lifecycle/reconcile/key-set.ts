import { randomBytes } from 'node:crypto';

const EMPTY = 0;
const START_SLOTS = 1 << 12;

/**
 * The set of account keys a reconciliation run has seen, as 64-bit fingerprints in one typed array:
 * about 16 bytes a key (32 at most after growing) instead of a string and a hash-table entry each,
 * so a target of a million accounts costs tens of megabytes, not hundreds. The two 32-bit hashes are
 * seeded at random per set, so nobody can craft a key whose fingerprint hides another one; an
 * accidental collision among a million keys has odds of about one in thirty million.
 */
export class KeySet {
  #slots = new Uint32Array(START_SLOTS * 2);
  #mask = START_SLOTS - 1;
  #size = 0;
  readonly #seeds = new Uint32Array(randomBytes(8).buffer);

  get size(): number {
    return this.#size;
  }

  /** Adds the key; false when it was there already. */
  add(key: string): boolean {
    const [hi, lo] = this.#fingerprint(key);
    const slot = this.#find(hi, lo);
    if (this.#slots[slot * 2] !== EMPTY) return false;
    this.#slots[slot * 2] = hi;
    this.#slots[slot * 2 + 1] = lo;
    if (++this.#size * 2 > this.#mask + 1) this.#grow();
    return true;
  }

  has(key: string): boolean {
    const [hi, lo] = this.#fingerprint(key);
    return this.#slots[this.#find(hi, lo) * 2] !== EMPTY;
  }

  /** The slot holding this fingerprint, or the empty slot where it would go (linear probing). */
  #find(hi: number, lo: number): number {
    let slot = (hi ^ lo) & this.#mask;
    for (;;) {
      const at = this.#slots[slot * 2];
      if (at === EMPTY || (at === hi && this.#slots[slot * 2 + 1] === lo)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i] as number;
      if (hi === EMPTY) continue;
      const slot = this.#find(hi, old[i + 1] as number);
      this.#slots[slot * 2] = hi;
      this.#slots[slot * 2 + 1] = old[i + 1] as number;
    }
  }

  #fingerprint(key: string): [number, number] {
    let a = this.#seeds[0] as number;
    let b = this.#seeds[1] as number;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // the hi half is never 0: 0 marks an empty slot
    return [(finish(a ^ key.length) || 1) >>> 0, finish(b) >>> 0];
  }
}

/** Murmur3's finaliser: every input bit reaches every output bit. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
