/** Runs a statement once the statements started before it on the same session have settled. */
export type InTurn = <T>(statement: () => Promise<T>) => Promise<T>;

/**
 * Statements on one session in the order they were started. Code in a transaction may start several at once (a
 * `Promise.all` of reads); without a turn, pg queues them on its client only with a deprecation warning (pg 9 refuses
 * them), and a PGlite write, which first checks the disk, would run after a read started later.
 */
export function inTurn(): InTurn {
  let last: Promise<unknown> = Promise.resolve();
  return (statement) => {
    const next = last.then(statement, statement);
    last = next.catch(() => {});
    return next;
  };
}

/** Statements on a pool run side by side: each takes a connection of its own. */
export const sideBySide: InTurn = (statement) => statement();
