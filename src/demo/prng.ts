/**
 * A small keyed hash used as the generator's only source of randomness. Every draw is a pure
 * function of (seed, a, b, salt), so person i on day d can be computed without touching anyone
 * else. The finaliser is a 32-bit xor-shift-multiply avalanche (constants chosen for low bias).
 */
const STEP_1 = 0x9e3779b9;
const STEP_2 = 0x7f4a7c15;
const TWO_32 = 4294967296;

export function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Folds any safe integer seed (negative or above 2^32 too) into 32 bits. */
export function normaliseSeed(seed: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_32) >>> 0;
  return mix32(low ^ mix32(high + STEP_2));
}

/** A uniform 32-bit draw keyed by a normalised seed and three integers. */
export function hash32(seed: number, a: number, b: number, salt: number): number {
  let h = mix32(seed + STEP_1);
  h = mix32(h ^ a);
  h = mix32((h + STEP_1) ^ b);
  return mix32((h + STEP_2) ^ salt);
}

/** A uniform draw in [0, 1). */
export function unit(seed: number, a: number, b: number, salt: number): number {
  return hash32(seed, a, b, salt) / TWO_32;
}

/** Picks one element of a non-empty list with a draw in [0, 1). */
export function pick<T>(list: readonly T[], r: number): T {
  return list[Math.floor(r * list.length)] as T;
}

/** Names for the independent draws, so no two attributes share a stream. */
export const SALT = {
  given: 1,
  family: 2,
  userType: 3,
  company: 4,
  dept: 5,
  title: 6,
  location: 7,
  manager: 8,
  hire: 9,
  initial: 10,
  initialSince: 11,
  leaveType: 12,
  event: 13,
  moveKind: 14,
  moveDept: 15,
  moveManager: 16,
  moveTitle: 17,
  moveLocation: 18,
  joinCount: 19,
  vetEligibility: 20,
  vetTier: 21,
  vetDate: 22,
  vetRenewal: 23,
  vetContinuous: 24,
  courseCount: 25,
  courseFirst: 26,
  courseNever: 27,
  courseDate: 28,
  npeKind: 29,
  npeSystem: 30,
  npeFunction: 31,
  npeSponsor: 32,
  npeExpires: 33,
  npeDept: 34,
  otherAffiliation: 35,
} as const;
