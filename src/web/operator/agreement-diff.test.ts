import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffDocuments, leaves } from './agreement-diff.ts';

test('an agreement diff names each field added, removed or changed by its path', () => {
  const before = { name: 'Benefits', relyingParties: [{ clientId: 'b', redirectUris: ['https://b/cb'] }], attributes: [{ name: 'email' }], signals: [] };
  const after = { name: 'Benefits portal', relyingParties: [{ clientId: 'b', redirectUris: [] }], attributes: [{ name: 'email' }, { name: 'phone_number' }], consent: 'runtime' };
  assert.deepEqual(diffDocuments(before, after), [
    { path: 'attributes[1].name', before: undefined, after: '"phone_number"', change: 'added' },
    { path: 'consent', before: undefined, after: '"runtime"', change: 'added' },
    { path: 'name', before: '"Benefits"', after: '"Benefits portal"', change: 'changed' },
    { path: 'relyingParties[0].redirectUris', before: undefined, after: '[]', change: 'added' },
    { path: 'relyingParties[0].redirectUris[0]', before: '"https://b/cb"', after: undefined, change: 'removed' },
    { path: 'signals', before: '[]', after: undefined, change: 'removed' },
  ]);
  assert.deepEqual(diffDocuments(before, before), []);
  assert.deepEqual(
    [...leaves({ a: { b: 1 }, c: {} })],
    [
      ['a.b', '1'],
      ['c', '{}'],
    ],
  );
});
