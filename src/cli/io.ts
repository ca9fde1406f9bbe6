import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type ErrorDetail, type MusterError } from '../core/errors.ts';

/** Where the CLI reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends `serve` (besides SIGINT and SIGTERM); for in-process tests. */
  readonly signal?: AbortSignal;
  /** Whether `serve` listens for SIGINT and SIGTERM (default true). */
  readonly handleSignals?: boolean;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Writes and waits for the stream to drain when it asks to: memory stays flat on long outputs. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export function writeLines(stream: Writable, lines: string | readonly string[]): void {
  const all = typeof lines === 'string' ? [lines] : lines;
  if (all.length > 0) stream.write(`${all.join('\n')}\n`);
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

/** `file:line: field: message (value)` — where the problem is, then what it is. */
export function detailLine(detail: ErrorDetail): string {
  const where = [detail.file, detail.line === undefined ? undefined : String(detail.line)].filter(Boolean).join(':');
  const name = detail.field ?? detail.key;
  const value = detail.value === undefined ? '' : ` (value: ${JSON.stringify(detail.value)})`;
  return `${where ? `${where}: ` : ''}${name ? `${name}: ` : ''}${detail.message}${value}`;
}

/** `error CODE: message` and one line per detail on stderr, or with --json one JSON object on stdout. */
export function reportError(io: CliIo, error: MusterError, json: boolean): void {
  if (json) {
    writeJson(io.stdout, { error: error.toJSON() });
    return;
  }
  writeLines(io.stderr, [`error ${error.code}: ${error.message}`, ...error.details.map((d) => `  ${detailLine(d)}`)]);
}
