/** The lowest-numbered problem a verification has seen, and its warnings. */
export interface BadEntry {
  readonly seq: number;
  readonly problem: string;
}

export class Findings {
  #firstBad: BadEntry | undefined;
  readonly warnings: string[] = [];

  /** Keeps the problem with the lowest seq; on a tie the one reported first. */
  report(seq: number, problem: string): void {
    if (this.#firstBad === undefined || seq < this.#firstBad.seq) this.#firstBad = { seq, problem };
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  get firstBad(): BadEntry | undefined {
    return this.#firstBad;
  }
}
