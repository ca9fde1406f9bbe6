import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { MusterError, isMusterError } from '../core/errors.ts';
import { type Cli, createCli } from './cli.ts';
import { auditCommands } from './commands/audit.ts';
import { identityCommands } from './commands/identity.ts';
import { type ServeHooks, serveCommand } from './commands/serve.ts';
import { tokenCommands } from './commands/token.ts';
import { operatorCommands } from './commands/operator.ts';
import { pendingCommands } from './commands/pending.ts';
import { type CliIo, processIo, reportError } from './io.ts';

export type { Cli, GlobalFlags, ConfigOverrides } from './cli.ts';
export type { CliIo } from './io.ts';
export { serveCommand, type ServeHooks, type ServeReadyInfo, type StopFn } from './commands/serve.ts';

/** Registers one group of commands (`program.command('import')…`) on the program; see token.ts for the pattern. */
export type CommandGroup = (program: Command, cli: Cli) => void;

export interface CliOptions {
  /** Defaults to the process's stdout, stderr and environment. */
  readonly io?: CliIo;
  /** Hooks of the built-in `serve` command (demo seeding, extra route modules). */
  readonly serve?: ServeHooks;
}

/** Exit codes: 0 done, 1 the command failed, 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The `muster` program: global --config, --json and --data-dir, the built-in groups, then `extraGroups`. */
export function buildProgram(extraGroups: readonly CommandGroup[] = [], options: CliOptions = {}): Command {
  const io = options.io ?? processIo();
  const cli = createCli(io);
  const program = new Command('muster')
    .description('identity plumbing for a federal agency: Master User Record, lifecycle, credentials, audit')
    .version(pkg.version)
    .option('--config <file>', 'JSON configuration file (else MUSTER_CONFIG)')
    .option('--json', 'machine-readable output: one JSON value on stdout, errors as {"error":{…}}')
    .option('--data-dir <dir>', 'folder for embedded data and the audit signing key (default ./data; ":memory:" keeps nothing)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {}, // runCli reports usage errors in the one error format
    });
  for (const group of [serveCommand(options.serve), identityCommands, operatorCommands, pendingCommands, tokenCommands, auditCommands, ...extraGroups]) group(program, cli);
  return program;
}

/** Runs one invocation with the user's arguments (process.argv.slice(2)) and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], options: CliOptions & { readonly groups?: readonly CommandGroup[] } = {}): Promise<number> {
  const io = options.io ?? processIo();
  const program = buildProgram(options.groups, { ...options, io });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    const json = program.opts().json === true || argv.includes('--json');
    if (error instanceof CommanderError) return usageError(io, error, json);
    reportError(io, asCliError(error), json);
    return EXIT_FAILED;
  }
}

function usageError(io: CliIo, error: CommanderError, json: boolean): number {
  // Help and version were printed by commander; `muster group` without a subcommand prints help and fails.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
  if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') return EXIT_USAGE;
  const [first = 'invalid command line', ...rest] = error.message
    .replace(/^error: /, '')
    .split('\n')
    .filter(Boolean);
  const details = [...rest, 'run with --help for usage'].map((message) => ({ message }));
  reportError(io, new MusterError('MUSTER_ERR_VALIDATION', first, details), json);
  return EXIT_USAGE;
}

function asCliError(error: unknown): MusterError {
  if (isMusterError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MusterError('MUSTER_ERR_INTERNAL', message, [], { cause: error });
}
