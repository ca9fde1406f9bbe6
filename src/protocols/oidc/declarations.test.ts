import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * oidc-provider is typed by its published declarations (@types/oidc-provider). A declaration of the module in muster
 * may only augment them (a module file: its own top-level import or export), with a comment saying what they lack.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TYPED = ['src', 'test', 'tools', 'bench', 'bin'];
const DECLARATION = /^\s*declare\s+module\s+['"]oidc-provider['"]/m;

function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return entries.filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** What is wrong with a file's declaration of 'oidc-provider', or undefined when it is a commented augmentation. */
function declarationProblem(text: string): string | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => DECLARATION.test(line));
  if (!/^(import|export)\b/m.test(text)) return 'declares the module in place of the published types (no top-level import or export, so not an augmentation)';
  if (!/^\s*(\/\/|\*|\/\*)/.test(lines[at - 1] ?? '')) return 'augments the published types without a comment saying what they lack';
  return undefined;
}

test('oidc-provider is typed by its published declarations, not by a hand-written module', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  assert.ok(manifest.devDependencies?.['@types/oidc-provider'], 'package.json devDependencies list @types/oidc-provider');
  const problems = TYPED.flatMap(sources)
    .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }))
    .filter(({ text }) => DECLARATION.test(text))
    .map(({ file, text }) => ({ file, problem: declarationProblem(text) }))
    .filter(({ problem }) => problem !== undefined);
  assert.deepEqual(problems, []);
});

test('the declaration check refuses a hand-written module and accepts a commented augmentation', () => {
  assert.match(declarationProblem("// oidc-provider, typed\ndeclare module 'oidc-provider' {\n  export class Provider {}\n}\n") ?? '', /not an augmentation/);
  assert.match(declarationProblem("export {};\ndeclare module 'oidc-provider' {\n  interface Client { x: string }\n}\n") ?? '', /without a comment/);
  assert.equal(declarationProblem("export {};\n// the published types lack Client.x\ndeclare module 'oidc-provider' {\n  interface Client { x: string }\n}\n"), undefined);
});
