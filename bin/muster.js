#!/usr/bin/env node
// The muster launcher. Plain JavaScript so that any Node can read it: muster itself needs Node 24
// (it runs its TypeScript directly), so an older Node hands over to the Node 24 binary that the
// `node` package installs in this repository's node_modules.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);

if (major < REQUIRED_MAJOR) {
  reexec();
} else {
  await run();
}

async function run() {
  // A reader that went away (`muster audit export | head`) is not a failure.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // Node keeps the stripped TypeScript and V8's compiled code of every module between runs (NODE_COMPILE_CACHE moves
  // it, NODE_DISABLE_COMPILE_CACHE=1 turns it off): a second start loads muster's ~1,700 modules in about half the time.
  nodeModule.enableCompileCache?.();
  // `serve` on the embedded store: PGlite's WebAssembly compiles on V8's background threads while muster loads.
  if (process.argv[2] === 'serve' && !process.env.DATABASE_URL) void import('../src/store/dialects/pglite-wasm.ts').then((m) => m.pgliteWasm());
  // src/cli/entry.ts composes the shipped command from src/cli/main.ts and the extra command groups.
  const { main } = await import('../src/cli/entry.ts');
  const code = await main(process.argv.slice(2));
  // Exit explicitly so a forgotten handle cannot keep the process alive, after stdout has drained.
  process.stdout.write('', () => process.exit(code));
}

function reexec() {
  const nodeBin = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(nodeBin)) {
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(
      `muster needs Node.js ${REQUIRED_MAJOR} or later; this is ${process.version}.\n` +
        `Run \`npm install\` in ${root} to install the Node ${REQUIRED_MAJOR} that muster uses, or run muster with Node ${REQUIRED_MAJOR}.\n`,
    );
    process.exit(1);
  }
  const child = spawn(nodeBin, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`muster: cannot start ${nodeBin}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal)
      process.kill(process.pid, signal); // die the way the child died
    else process.exit(code ?? 1);
  });
}
