import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RP_ERROR_CODES, RpError } from './errors.ts';

const docs = readFileSync(new URL('../../docs/rp.md', import.meta.url), 'utf8');

test('docs/rp.md lists every RP error code with its HTTP status, and nothing else', () => {
  const listed = new Map([...docs.matchAll(/^\| `(RP_ERR_[A-Z_0-9]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
  for (const [code, { status }] of Object.entries(RP_ERROR_CODES)) {
    assert.equal(listed.get(code), status, `${code} must be listed in docs/rp.md with status ${status}`);
  }
  for (const code of listed.keys()) assert.ok(code && code in RP_ERROR_CODES, `${code} is listed but not defined`);
});

test('an RpError carries its code, status and details', () => {
  const error = new RpError('RP_ERR_MISSING_CLAIM', 'the assertion lacks fal', { claim: 'fal' });
  assert.equal(error.status, 401);
  assert.equal(error.details.claim, 'fal');
  assert.ok(error instanceof Error);
});
