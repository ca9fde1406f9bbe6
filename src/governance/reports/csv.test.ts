import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, toCsv } from './csv.ts';

test('fields with commas, quotes and line breaks are quoted, quotes doubled (RFC 4180)', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(3), '3');
  assert.equal(csvField(-3), '-3');
});

test('text a spreadsheet would run as a formula is neutralized', () => {
  for (const start of ['=', '+', '-', '@', '\t']) assert.equal(csvField(`${start}SUM(A1)`)[0] === "'" || csvField(`${start}SUM(A1)`).startsWith(`"'`), true, start);
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField('@cmd'), "'@cmd");
});

test('a table is a header line and CRLF-ended rows', () => {
  assert.equal(toCsv(['a', 'b'], [{ a: 'x', b: 1 }, { a: '=1+1' }]), "a,b\r\nx,1\r\n'=1+1,\r\n");
});
