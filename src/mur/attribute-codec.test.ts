import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAttributes, encodeAttributes, encodeAttributesText } from './attribute-codec.ts';

const at = '2026-01-02T03:04:05.000Z';
const values = {
  given_name: { v: 'Zoë', s: 'hr', r: 'E1', t: at },
  family_name: { v: 'O"Brien\\ \n\t', s: 'hr', r: 'E1', t: at },
  clearance: { v: 'secret', s: 'vetting', r: 'V9', t: '2025-05-05T00:00:00.000Z' },
  email: { v: 'zoe@demo.gov', s: 'hr', r: 'E1', t: at },
  'odd name': { v: '\u0000\u2028', s: 'hr', r: 'E1', t: '2026-01-02T03:04:06.000Z' },
};

test('the JSON text of stored attributes is what encodeAttributes gives, stringified', () => {
  const text = encodeAttributesText(values);
  const objects = encodeAttributes(values);
  assert.deepEqual(JSON.parse(text.attributes), objects.attributes);
  assert.deepEqual(JSON.parse(text.provenance), objects.provenance);
  assert.equal(text.attributes, JSON.stringify(objects.attributes));
  assert.equal(text.provenance, JSON.stringify(objects.provenance));
  assert.deepEqual(decodeAttributes(JSON.parse(text.attributes), JSON.parse(text.provenance)), values);
});

test('an identity without attributes is stored as an empty object and list', () => {
  assert.deepEqual(encodeAttributesText({}), { attributes: '{}', provenance: '[]' });
});
