import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { MusterError } from '../core/errors.ts';

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;

interface LineCount {
  /** Lines, counting a last line without a line end. */
  readonly lines: number;
  /** JSON Lines (first byte `{`): no header line. */
  readonly jsonl: boolean;
}

function countIn(chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

async function countLines(path: string): Promise<LineCount> {
  let lines = 0;
  let first: number | undefined;
  let last: number | undefined;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    if (chunk.length === 0) continue;
    first ??= chunk[0];
    last = chunk[chunk.length - 1];
    lines += countIn(chunk);
  }
  if (last !== undefined && last !== NEWLINE) lines++;
  return { lines, jsonl: first === OPEN_BRACE };
}

/** The end (exclusive) of the `wanted`-th line end in the chunk, or -1 when the chunk has fewer. */
function cutAt(chunk: Buffer, wanted: number): number {
  let seen = 0;
  for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
    if (++seen === wanted) return at + 1;
  }
  return -1;
}

async function copyLines(source: string, target: string, wanted: number): Promise<void> {
  const out = createWriteStream(target);
  let left = wanted;
  const input = createReadStream(source);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (left <= 0) break;
      const cut = cutAt(chunk, left);
      const piece = cut === -1 ? chunk : chunk.subarray(0, cut);
      left -= cut === -1 ? countIn(chunk) : left;
      if (!out.write(piece)) await once(out, 'drain');
    }
  } finally {
    input.destroy();
    out.end();
    await finished(out);
  }
}

/**
 * Copies the header (CSV) and the first `keepShare` of the data lines of `source` to `target`,
 * as a truncated extract would arrive; streams, so any size works. Returns the data lines kept.
 */
export async function writeTruncated(source: string, target: string, keepShare: number): Promise<number> {
  if (!(keepShare >= 0 && keepShare <= 1)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', 'keepShare must be between 0 and 1', [{ message: 'out of range', field: 'keepShare', value: String(keepShare) }]);
  }
  const { lines, jsonl } = await countLines(source);
  const header = jsonl || lines === 0 ? 0 : 1;
  const kept = Math.floor((lines - header) * keepShare);
  await copyLines(source, target, header + kept);
  return kept;
}
