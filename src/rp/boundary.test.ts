import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const ALLOWED_PACKAGES = new Set(['openid-client', 'jose', 'zod']);

function libraryFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return libraryFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.startsWith('test-') ? [path] : [];
  });
}

test('muster/rp ships alone: node builtins, openid-client, jose and zod, and nothing outside src/rp', () => {
  for (const file of libraryFiles(root)) {
    for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      const where = relative(root, file);
      if (specifier.startsWith('.')) {
        const target = resolve(file, '..', specifier);
        assert.ok(target.startsWith(root) && !relative(root, target).startsWith('test-'), `${where} imports ${specifier}`);
      } else {
        assert.ok(specifier.startsWith('node:') || ALLOWED_PACKAGES.has(specifier), `${where} imports ${specifier}`);
      }
    }
  }
});
