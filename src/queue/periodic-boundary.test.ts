import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Periodic work runs on the one scheduler: `setInterval(` appears in src/ nowhere but in the scheduler itself. */
const SCHEDULER = 'queue/scheduler.ts';
const src = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

test('no setInterval in src/ outside the scheduler', () => {
  const offenders = sourceFiles(src)
    .map((path) => relative(src, path).split('\\').join('/'))
    .filter((file) => file !== SCHEDULER && /\bsetInterval\s*\(/.test(readFileSync(join(src, file), 'utf8')));
  assert.deepEqual(offenders, [], `periodic work belongs on the scheduler (src/${SCHEDULER}); found setInterval in ${offenders.join(', ')}`);
});

test('the check sees a setInterval where there is one', () => {
  assert.ok(/\bsetInterval\s*\(/.test('const t = setInterval(() => {}, 10);'));
});
