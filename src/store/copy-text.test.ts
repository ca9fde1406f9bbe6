import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCopyChunks } from './copy-text.ts';

test('rows become COPY text lines: tabs between cells, \\N for null, specials escaped, JSON for objects', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  const text = encodeCopyChunks([
    ['a\tb', null, 3, true, at],
    [{ k: 'x\ny' }, undefined, 'back\\slash', false, 'r\r'],
  ]).join('');
  assert.equal(text, 'a\\tb\t\\N\t3\tt\t2026-01-02T03:04:05.000Z\n{"k":"x\\\\ny"}\t\\N\tback\\\\slash\tf\tr\\r\n');
});

test('many rows come in chunks of whole lines that together are the text of all', () => {
  const rows = Array.from({ length: 1234 }, (_, i) => [i, `row ${i}`]);
  const chunks = encodeCopyChunks(rows);
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) assert.ok(chunk.endsWith('\n'));
  assert.equal(chunks.join(''), rows.map(([i, name]) => `${i}\t${name}\n`).join(''));
  assert.deepEqual(encodeCopyChunks([]), []);
});
