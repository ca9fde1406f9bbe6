import { realpathSync } from 'node:fs';
import { Module } from 'graphene-pk11';
import { hsmError, reason } from './errors.ts';

interface LoadedModule {
  readonly module: Module;
  users: number;
}

// A PKCS#11 library is initialized once per process: every user shares it, the last one finalizes it.
const loaded = new Map<string, LoadedModule>();

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function load(path: string): Module {
  let module: Module;
  try {
    module = Module.load(path);
  } catch (cause) {
    throw hsmError('module', `cannot load the PKCS#11 module ${path}: ${reason(cause)}`, cause);
  }
  try {
    module.initialize();
  } catch (cause) {
    module.close();
    throw hsmError('module', `the PKCS#11 module ${path} failed to initialize: ${reason(cause)}`, cause);
  }
  return module;
}

/** Loads and initializes a PKCS#11 module, or shares the one already loaded; pair with releaseModule. */
export function acquireModule(path: string): { readonly module: Module; readonly id: string } {
  const id = canonical(path);
  const entry = loaded.get(id) ?? { module: load(path), users: 0 };
  entry.users += 1;
  loaded.set(id, entry);
  return { module: entry.module, id };
}

/** Gives a module back; the last user finalizes and unloads it. */
export function releaseModule(id: string): void {
  const entry = loaded.get(id);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  loaded.delete(id);
  try {
    entry.module.finalize();
  } finally {
    entry.module.close();
  }
}
