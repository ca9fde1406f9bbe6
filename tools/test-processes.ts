// How `npm test` spreads the test files over processes. Loading muster (about 1,700 modules) and PGlite's
// WebAssembly costs a process more than most test files do: the files run in a few long-lived processes, each
// loading muster once for all of its files (`node --test --test-isolation=none`), side by side. The integration tests,
// which start muster, real peers and browsers and wait on them, run after, each in a process of its own, two at a time.
import { spawn } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders whose test files each run in a process of their own. */
export const OWN_PROCESS: readonly string[] = ['test/integration/'];

const ownProcess = (file: string): boolean => OWN_PROCESS.some((folder) => file.startsWith(folder));

export interface TestRun {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly patterns: readonly string[];
  /** How many processes share the files (default: the machine's cores, at most 4). */
  readonly processes?: number;
}

const COMMON = ['--test', '--test-timeout=300000'];

/** Runs every test file matched by the patterns; the exit code is non-zero when any test failed. */
export async function runTestFiles(run: TestRun): Promise<number> {
  const files = [...new Set(run.patterns.flatMap((pattern) => globSync(pattern, { cwd: run.root })))].sort();
  const isolated = files.filter(ownProcess);
  const shared = files.filter((file) => !ownProcess(file));
  const count = Math.max(1, Math.min(run.processes ?? Math.min(4, availableParallelism()), shared.length));
  const groups = Array.from({ length: count }, (_, i) => shared.filter((_, j) => j % count === i));
  const outDir = mkdtempSync(join(tmpdir(), 'muster-test-output-'));
  try {
    // a file that leaves a timer or a socket behind would keep a shared process alive once its tests are done
    const sharedRuns = groups.map((group, i) => runner(run, join(outDir, `shared-${i + 1}.txt`), ['--test-isolation=none', '--test-force-exit', ...group]));
    const codes = await Promise.all(sharedRuns);
    if (isolated.length > 0) codes.push(await runner(run, join(outDir, 'isolated.txt'), ['--test-concurrency=2', ...isolated]));
    process.stdout.write('\n');
    const outputs = [...groups.map((_, i) => join(outDir, `shared-${i + 1}.txt`)), ...(isolated.length > 0 ? [join(outDir, 'isolated.txt')] : [])];
    const totals = new Map<string, number>();
    for (const [i, file] of outputs.entries()) {
      const text = readFileSync(file, 'utf8');
      process.stdout.write(`\n# test process ${i + 1} of ${outputs.length}\n${text}`);
      for (const [, key, value] of text.matchAll(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) totals.set(key as string, (totals.get(key as string) ?? 0) + Number(value));
    }
    process.stdout.write(`\n# all ${files.length} test files: ${[...totals].map(([key, value]) => `${key} ${value}`).join(', ')}\n`);
    return codes.find((code) => code !== 0) ?? 0;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** One `node --test` process: dots on the terminal as tests end, the full report into `report`. */
function runner(run: TestRun, report: string, args: readonly string[]): Promise<number> {
  const reporters = ['--test-reporter=dot', '--test-reporter-destination=stdout', '--test-reporter=spec', `--test-reporter-destination=${report}`];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...COMMON, ...reporters, ...args], { cwd: run.root, stdio: 'inherit', env: run.env });
    child.on('error', (error) => {
      process.stderr.write(`cannot start the test runner: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
