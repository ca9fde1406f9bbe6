// wrk: installed from Debian when missing, driven with a Lua script that POSTs DER OCSP requests, output parsed.
import { execSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './processes.ts';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly socketErrors: string | undefined;
  readonly non2xx: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function hasWrk(): boolean {
  try {
    execSync('command -v wrk', { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's wrk when `command -v wrk` finds none; throws with a clear message if that fails. */
export function ensureWrk(log: (text: string) => void): void {
  if (hasWrk()) return;
  log('  wrk not found: installing it with apt-get (Debian package "wrk") ...');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  try {
    execSync(`${sudo}apt-get update -qq && ${sudo}DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk`, { stdio: ['ignore', 'ignore', 'inherit'], shell: '/bin/sh' });
  } catch (cause) {
    throw new Error(`the OCSP benchmark needs wrk and could not install it: run "apt-get update && apt-get install -y wrk" (as root), then npm run bench again`, { cause });
  }
  if (!hasWrk()) throw new Error('apt-get install wrk finished but wrk is still not on PATH');
}

/**
 * A Lua script that POSTs the given DER request files in turn (each wrk thread cycles through them). It replaces
 * wrk.resolve, whose probe connection (connect, then close without a request) sends `openssl ocsp` 3.0 into an
 * endless read loop on the closed socket, so that it never answers again.
 */
export async function writePostScript(dir: string, requestPaths: readonly string[]): Promise<string> {
  const files = requestPaths.map((p) => JSON.stringify(p)).join(', ');
  const lua = `function wrk.resolve(host, service) wrk.addrs = wrk.lookup(host, service) end
local bodies = {}
for i, path in ipairs({ ${files} }) do
  local f = assert(io.open(path, "rb")); bodies[i] = f:read("*a"); f:close()
end
local n = 0
local headers = { ["Content-Type"] = "application/ocsp-request" }
request = function()
  n = n % #bodies + 1
  return wrk.format("POST", "/", headers, bodies[n])
end
`;
  const path = join(dir, 'post.lua');
  await writeFile(path, lua);
  return path;
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (!rps || !p99) throw new Error(`cannot read wrk's output:\n${output}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p99Ms: Number(p99[1]) * (UNIT_MS[p99[2] as string] ?? Number.NaN),
    socketErrors: /Socket errors: (.*)/.exec(output)?.[1],
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  };
}

export async function runWrk(url: string, script: string, seconds: number): Promise<WrkResult> {
  const args = ['-t2', '-c32', `-d${seconds}s`, '--latency', '-s', script, url];
  const { stdout } = await run('wrk', args, { timeout: (seconds + 30) * 1000 });
  return parseWrk(stdout);
}
