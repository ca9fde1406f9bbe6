import type { IncomingMessage } from 'node:http';

const EMPTY = new Uint8Array();

/**
 * Reads a request body of at most `max` bytes and calls `done` once: with the bytes, or with undefined as soon as
 * more than `max` have come (what is left is not waited for). A body in one chunk is passed on without copying.
 */
export function readBody(request: IncomingMessage, max: number, done: (body: Uint8Array | undefined) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  const onData = (chunk: Buffer): void => {
    size += chunk.byteLength;
    if (size > max) {
      request.off('data', onData).off('end', onEnd);
      done(undefined);
    } else if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  };
  const onEnd = (): void => done(more ? Buffer.concat(more) : (first ?? EMPTY));
  request.on('data', onData).on('end', onEnd);
}
