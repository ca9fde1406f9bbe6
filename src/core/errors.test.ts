import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, MusterError, formatDetail } from './errors.ts';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists every error code with its HTTP status, and nothing else', () => {
  const listed = new Map([...docs.matchAll(/^\| `(MUSTER_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    assert.equal(listed.get(code), status, `${code} must be listed in docs/errors.md with status ${status}`);
  }
  for (const code of listed.keys()) assert.ok(code && code in ERROR_CODES, `${code} is listed but not defined`);
});

test('an error carries its code, status and details; 5xx errors are not exposed', () => {
  const error = new MusterError('MUSTER_ERR_IMPORT_FILE', 'bad', [{ file: 'hr.csv', line: 3, field: 'email', message: 'email is not an email address' }]);
  assert.equal(error.status, 400);
  assert.equal(error.expose, true);
  assert.equal(new MusterError('MUSTER_ERR_INTERNAL', 'x').expose, false);
  assert.equal(formatDetail(error.details[0] as never), 'hr.csv:3: email: email is not an email address');
});
