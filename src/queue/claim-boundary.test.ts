import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Durable work is claimed in one place: `SKIP LOCKED` (the claim of a shared queue) and the back-off between attempts
 * appear in src/ nowhere but in the queue module (src/queue/); every queue and sweep claims through it.
 */
const QUEUE = 'queue/';
const src = fileURLToPath(new URL('..', import.meta.url));
const CLAIM = /SKIP\s+LOCKED/i;
const BACKOFF = /\bbackoffDelay\s*\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs|sql)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !/^test-/.test(entry.name) ? [path] : [];
  });
}

function outsideQueue(pattern: RegExp): string[] {
  return sourceFiles(src)
    .map((path) => relative(src, path).split('\\').join('/'))
    .filter((file) => !file.startsWith(QUEUE) && pattern.test(readFileSync(join(src, file), 'utf8')));
}

test('no claim (SKIP LOCKED) in src/ outside the queue module', () => {
  const offenders = outsideQueue(CLAIM);
  assert.deepEqual(offenders, [], `claims belong to the durable queue (src/queue/claim-repository.ts); found SKIP LOCKED in ${offenders.join(', ')}`);
});

test('no back-off of its own in src/ outside the queue module', () => {
  const offenders = outsideQueue(BACKOFF);
  assert.deepEqual(offenders, [], `retries are timed by the durable queue (DurableQueue.afterFailure); found backoffDelay( in ${offenders.join(', ')}`);
});

test('the checks see a claim and a back-off where there is one', () => {
  assert.ok(CLAIM.test('SELECT id FROM jobs LIMIT 5 FOR UPDATE SKIP  LOCKED'));
  assert.ok(BACKOFF.test('const d = backoffDelay(job.attempts, b, r);'));
  assert.ok(!CLAIM.test('SELECT id FROM jobs FOR UPDATE'));
});
