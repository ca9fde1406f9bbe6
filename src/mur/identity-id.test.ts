import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newIdentityId } from './identity-id.ts';

test('identity ids are RFC 9562 version 7 UUIDs, ordered by time and unique', () => {
  const a = newIdentityId(1_700_000_000_000);
  const b = newIdentityId(1_700_000_000_001);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a.slice(0, 13), '018bcfe5-6800');
  assert.ok(a < b);
  const many = new Set(Array.from({ length: 10_000 }, () => newIdentityId(1_700_000_000_000)));
  assert.equal(many.size, 10_000);
});
