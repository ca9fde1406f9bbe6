import { pino, type DestinationStream, type Logger } from 'pino';
import type { LOG_LEVELS } from '../config/schema.ts';

export type { Logger };
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  readonly level: LogLevel;
  /** Where the JSON lines go: the process's stderr, or a test's stream. */
  readonly destination: DestinationStream;
  /** With MUSTER_TEST=1 nothing is written, so test runs stay quiet. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One JSON object a line: `time` (ISO 8601), `level` (its name), `pid`, `hostname`, `msg`, then the fields of the call. */
export function createLogger(options: LogOptions): Logger {
  const level = options.env?.MUSTER_TEST === '1' ? 'silent' : options.level;
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** The process's logger from its configuration and io (`muster serve`, `muster worker`). */
export function processLogger(config: { readonly log: { readonly level: LogLevel } }, io: { readonly stderr: DestinationStream; readonly env: Readonly<Record<string, string | undefined>> }): Logger {
  return createLogger({ level: config.log.level, destination: io.stderr, env: io.env });
}

/** An error as log fields: its code (a MUSTER_ERR_*, a system code, or the class name) and message. */
export function errorFields(error: unknown): { code: string; message: string } {
  if (!(error instanceof Error)) return { code: 'unknown', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : error.name, message: error.message };
}
