import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guidId, guidOf, guidString } from './guid.ts';

test('an objectGUID prints with its first three fields byte-reversed, as AD prints it', () => {
  const bytes = Buffer.from('5744863a1e639d48b7688e212cf7c242', 'hex');
  assert.equal(guidString(bytes), '3a864457-631e-489d-b768-8e212cf7c242');
});

test('ids are the <GUID=…> form; anything else is not an id of an AD account', () => {
  assert.equal(guidId('3A864457-631E-489D-B768-8E212CF7C242'), '<GUID=3a864457-631e-489d-b768-8e212cf7c242>');
  assert.equal(guidOf('<GUID=3A864457-631E-489D-B768-8E212CF7C242>'), '3a864457-631e-489d-b768-8e212cf7c242');
  assert.equal(guidOf('CN=x,DC=agency'), null);
  assert.throws(() => guidString(new Uint8Array(4)), RangeError);
});
