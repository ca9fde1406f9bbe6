// Runs every test muster has: the type check, then unit, contract and integration suites on
// PGlite and on the PostgreSQL server (required when CI=true or MUSTER_TEST_POSTGRES=required).
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_CHECK } from './peer-check.ts';
import { runTestFiles } from './test-processes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);

// Node keeps the stripped TypeScript and V8's compiled code of each module between test processes (and between runs)
// in one folder, checked against the sources.
const compileCache = process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'muster-node-compile-cache');

function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, MUSTER_TEST: '1', NODE_COMPILE_CACHE: compileCache } });
  return result.status ?? 1;
}

// the real peers (OpenSSL, SoftHSM2, Chromium, slapd, Apache): named when missing, never installed here
run(PEER_CHECK.command, [...PEER_CHECK.args]);
const typecheck = run(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '--noEmit', '-p', 'tsconfig.json']);
if (typecheck !== 0) {
  process.stderr.write('type check failed\n');
  process.exit(typecheck);
}
// the formatter and linter: formatting differences and lint errors fail the run (warnings are shown)
const lint = run(process.execPath, [fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url)), 'ci', '--reporter=summary', '.']);
if (lint !== 0) {
  process.stderr.write('format or lint check failed: npm run format, then npm run lint\n');
  process.exit(lint);
}
// `npm test -- <files or flags>` hands them to one `node --test`, each file in a process of its own
if (extra.length > 0) process.exit(run(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...extra]));
const env = { ...process.env, MUSTER_TEST: '1', NODE_COMPILE_CACHE: compileCache };
process.exit(await runTestFiles({ root, env, patterns: ['src/**/*.test.ts', 'test/**/*.test.ts'], processes: processCount() }));

/** MUSTER_TEST_PROCESSES sets how many processes share the test files. */
function processCount(): number | undefined {
  const value = process.env.MUSTER_TEST_PROCESSES;
  if (value === undefined || value === '') return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`MUSTER_TEST_PROCESSES must be a whole number of at least 1, not '${value}'\n`);
    process.exit(2);
  }
  return count;
}
