import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of a command on PATH (or an absolute path that is executable), or null. */
export function findExecutable(name: string): string | null {
  const candidates = name.startsWith('/') ? [name] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * A real peer a suite needs (`npm run peers` installs them, as root). Returns the skip reason for `describe(…, { skip })`
 * when it is missing outside CI; under CI=true a missing peer throws, so that CI never passes without it.
 */
export function peerSkip(what: string, present: boolean): string | false {
  if (present) return false;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI=true ('npm run peers' installs it)`);
  const reason = `${what} is not installed: 'npm run peers' installs it (as root)`;
  process.stderr.write(`# skipped: ${reason}\n`);
  return reason;
}
