import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

/** A compiled WebAssembly module, as PGlite takes it (`WebAssembly` is not among this project's declared globals). */
export type PgliteWasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<PgliteWasmModule> } };

let compiled: Promise<PgliteWasmModule | undefined> | undefined;

/**
 * PGlite's WebAssembly, compiled once per process. V8 compiles it on background threads, so a process that starts it
 * early (`muster serve` does, before loading the rest of muster) opens its embedded store sooner. Undefined when it
 * cannot be read here: PGlite then loads it itself.
 */
export function pgliteWasm(): Promise<PgliteWasmModule | undefined> {
  compiled ??= compile().catch(() => undefined);
  return compiled;
}

async function compile(): Promise<PgliteWasmModule> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return wasm.compile(await readFile(join(dirname(entry), 'pglite.wasm')));
}
