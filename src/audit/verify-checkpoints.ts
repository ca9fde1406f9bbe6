import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { CheckpointRow } from './audit-repository.ts';
import { checkpointStatement } from './checkpoint.ts';
import type { Findings } from './findings.ts';

export interface TrustedKeys {
  readonly publicKeys: ReadonlyMap<string, string>;
  /** Keys trusted outright; any other known key (e.g. only recorded in the settings table) draws a warning. All keys when absent. */
  readonly trustedKeyIds?: ReadonlySet<string>;
}

/** Checks each signed checkpoint against the entry it names and against the known public keys. */
export class CheckpointChecker {
  readonly #findings: Findings;
  readonly #keys: TrustedKeys;
  readonly #parsed = new Map<string, KeyObject | undefined>();
  readonly #untrustedUse = new Map<string, number>();
  /** The highest checkpoint that matched its entry with a valid signature. */
  #lastGood = 0;
  checkpoints = 0;

  constructor(findings: Findings, keys: TrustedKeys) {
    this.#findings = findings;
    this.#keys = keys;
  }

  get lastGoodSeq(): number {
    return this.#lastGood;
  }

  /** `entryHashes`: stored hashes of the entries in the checkpoints' range. */
  checkAgainst(checkpoints: readonly CheckpointRow[], entryHashes: ReadonlyMap<number, string>): void {
    for (const cp of checkpoints) {
      this.checkpoints++;
      if (!this.#signatureOk(cp)) continue;
      const hash = entryHashes.get(cp.seq);
      if (hash === undefined) this.#findings.report(cp.seq, `checkpoint ${cp.seq}: entry ${cp.seq} is missing`);
      else if (hash !== cp.hash) this.#findings.report(cp.seq, this.#mismatch(cp.seq));
      else this.#lastGood = cp.seq;
    }
  }

  /** Checkpoints past the last entry: the newest entries were deleted (if the signature holds). */
  checkBeyondEnd(checkpoints: readonly CheckpointRow[], lastSeq: number): void {
    for (const cp of checkpoints) {
      this.checkpoints++;
      if (!this.#signatureOk(cp)) continue;
      const first = lastSeq + 1;
      this.#findings.report(first, `entry ${first}: missing (the log ends at seq ${lastSeq} but checkpoint ${cp.seq} was signed: newest entries deleted)`);
    }
  }

  /** Warnings for keys used but not trusted, and for entries no checkpoint covers yet. */
  finish(lastSeq: number): void {
    for (const [keyId, count] of this.#untrustedUse) {
      this.#findings.warn(`${count} checkpoint(s) verify only with key ${keyId}, which is recorded in the settings table but not trusted here`);
    }
    const first = this.#lastGood + 1;
    if (lastSeq >= first) {
      const which = lastSeq === first ? `entry ${first} is` : `entries ${first}..${lastSeq} are`;
      this.#findings.warn(`${which} not yet covered by a signed checkpoint: deleting them could go unnoticed`);
    }
  }

  #mismatch(seq: number): string {
    const range = `${this.#lastGood + 1}..${seq}`;
    return `entry ${seq}: hash differs from the signed checkpoint at seq ${seq} (an entry in ${range} was rewritten)`;
  }

  #signatureOk(cp: CheckpointRow): boolean {
    const key = this.#key(cp.key_id);
    if (key === undefined) {
      this.#findings.report(cp.seq, `checkpoint ${cp.seq}: signed by unknown key ${cp.key_id}`);
      return false;
    }
    if (!verifySignature(key, cp)) {
      this.#findings.report(cp.seq, `checkpoint ${cp.seq}: signature does not verify with key ${cp.key_id} (forged)`);
      return false;
    }
    const trusted = this.#keys.trustedKeyIds;
    if (trusted !== undefined && !trusted.has(cp.key_id)) this.#untrustedUse.set(cp.key_id, (this.#untrustedUse.get(cp.key_id) ?? 0) + 1);
    return true;
  }

  #key(keyId: string): KeyObject | undefined {
    if (!this.#parsed.has(keyId)) this.#parsed.set(keyId, parseKey(keyId, this.#keys.publicKeys.get(keyId), this.#findings));
    return this.#parsed.get(keyId);
  }
}

function parseKey(keyId: string, pem: string | undefined, findings: Findings): KeyObject | undefined {
  if (pem === undefined) return undefined;
  try {
    return createPublicKey(pem);
  } catch {
    findings.warn(`public key ${keyId} cannot be read as an SPKI PEM; checkpoints it signed count as signed by an unknown key`);
    return undefined;
  }
}

function verifySignature(key: KeyObject, cp: CheckpointRow): boolean {
  try {
    return verify(null, checkpointStatement(cp.seq, cp.hash), key, Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}
