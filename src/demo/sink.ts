import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/**
 * Lines gathered in memory up to about CHUNK_CHARS, then written as one string; a flush waits
 * for 'drain' when the stream is full, so memory stays flat however large the file grows.
 */
export interface LineSink {
  readonly path: string;
  /** Lines pushed so far (the header given to openSink is not counted). */
  readonly lines: number;
  push(line: string): void;
  /** Writes the chunk if it has grown past the threshold (or always when `force`). */
  flush(force?: boolean): Promise<void>;
  close(): Promise<void>;
}

const CHUNK_CHARS = 1 << 16;
const HIGH_WATER_MARK = 1 << 20;

export function openSink(path: string, header?: string): LineSink {
  const stream: WriteStream = createWriteStream(path, { encoding: 'utf8', highWaterMark: HIGH_WATER_MARK });
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });
  let pending: string[] = header === undefined ? [] : [header];
  let pendingChars = 0;
  let lines = 0;
  const flush = async (force = false): Promise<void> => {
    if (failure) throw failure;
    if (pending.length === 0 || (!force && pendingChars < CHUNK_CHARS)) return;
    pending.push('');
    const ok = stream.write(pending.join('\n'));
    pending = [];
    pendingChars = 0;
    if (!ok) await once(stream, 'drain');
  };
  return {
    path,
    get lines() {
      return lines;
    },
    push(line) {
      pending.push(line);
      pendingChars += line.length + 1;
      lines++;
    },
    flush,
    async close() {
      await flush(true);
      stream.end();
      await finished(stream);
      if (failure) throw failure;
    },
  };
}
