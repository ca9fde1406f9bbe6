import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { MusterConfig } from '../config/schema.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { escapeForDisplay } from '../core/identity/text-checks.ts';
import { type CliIo, writeJson, writeLines } from './io.ts';

/** The flags every command accepts (declared on the program). */
export interface GlobalFlags {
  readonly config?: string;
  readonly json: boolean;
  readonly dataDir?: string;
}

/** Overrides from command flags, on top of the file and the environment. */
export type ConfigOverrides = Record<string, unknown>;

/** What a command group gets besides the program: output, configuration and a started muster. */
export interface Cli {
  readonly io: CliIo;
  /** One per invocation: every audit entry the command writes carries it. */
  readonly correlationId: string;
  /**
   * `cli:<user>`: the actor of the few writes made with no operator yet — `muster operator bootstrap` on a store
   * that never had one, and the demo seeding of `muster serve --demo`. Every other write acts as the operator of
   * `MUSTER_TOKEN` (commands/as-operator.ts).
   */
  readonly actor: string;
  flags(command: Command): GlobalFlags;
  loadConfig(command: Command, overrides?: ConfigOverrides): MusterConfig;
  /** Loads the configuration, starts muster (opens and migrates the store), runs `fn`, and always closes. */
  withMuster<T>(command: Command, fn: (ctx: Muster) => Promise<T>, overrides?: ConfigOverrides): Promise<T>;
  /** The result of a command: `value` as JSON with --json, else the text lines, on stdout. */
  print(command: Command, value: unknown, text: () => string | readonly string[]): void;
  /** A human notice (warnings, progress) on stderr, never mixed into --json output. */
  note(text: string): void;
}

export function createCli(io: CliIo): Cli {
  const cli: Cli = {
    io,
    correlationId: randomUUID(),
    actor: `cli:${osUser(io)}`,
    flags(command) {
      const opts = command.optsWithGlobals<Partial<GlobalFlags>>();
      return { ...opts, json: opts.json === true };
    },
    loadConfig(command, overrides = {}) {
      const flags = cli.flags(command);
      return loadConfig({ file: flags.config, env: io.env, overrides: { dataDir: flags.dataDir, ...overrides } });
    },
    async withMuster(command, fn, overrides) {
      // a one-shot command reads agreements afresh: it has no use for the long-lived LISTEN of the agreement cache
      const ctx = await startMuster(cli.loadConfig(command, overrides), { watchAgreements: false });
      try {
        return await fn(ctx);
      } finally {
        await ctx.close();
      }
    },
    print(command, value, text) {
      if (cli.flags(command).json) writeJson(io.stdout, value);
      else writeLines(io.stdout, displayed(text()));
    },
    note: (text) => writeLines(io.stderr, text),
  };
  return cli;
}

/** Lines for a terminal: stored text cannot move the cursor, recolour, or reverse what follows (JSON output escapes on its own). */
function displayed(text: string | readonly string[]): string[] {
  return (typeof text === 'string' ? [text] : text).map((line) => line.split('\n').map(escapeForDisplay).join('\n'));
}

function osUser(io: CliIo): string {
  try {
    return userInfo().username;
  } catch {
    return io.env.USER ?? 'unknown';
  }
}
