import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childValue, escapeDnValue, formatDn, normalizeDn, parseDn } from './dn.ts';

const awkward = ['a+b@x.gov', "o'brien, jr", ' lead', 'trail ', '#hash', 'ümlaut', 'q"uote\\back', 'semi;colon<>=', 'nul\0'];

test('escaped values parse back to themselves', () => {
  for (const value of awkward) assert.deepEqual(parseDn(`uid=${escapeDnValue(value)},ou=people,dc=agency`)[0], { type: 'uid', value }, value);
});

test('plain values are written as they are', () => {
  assert.equal(escapeDnValue('pat.lee@agency.gov'), 'pat.lee@agency.gov');
});

test("the server's escaping reads the same as ours", () => {
  assert.equal(parseDn('uid=a\\2Bb,ou=people')[0]?.value, 'a+b');
  assert.equal(parseDn('uid=a\\+b,ou=people')[0]?.value, 'a+b');
  assert.equal(parseDn('cn=J\\C3\\BCrgen,ou=people')[0]?.value, 'Jürgen');
  assert.equal(formatDn(parseDn('uid=a\\+b, ou=people ,dc=agency')), 'uid=a\\2Bb,ou=people,dc=agency');
});

test('a multi-valued RDN keeps its first pair and the rest of the DN', () => {
  assert.deepEqual(
    parseDn('cn=a+uid=b,ou=x').map((rdn) => rdn.value),
    ['a', 'x'],
  );
});

test('childValue names an entry directly below the parent only, whatever the case', () => {
  const parent = normalizeDn('ou=Groups,dc=Agency');
  assert.equal(childValue('cn=Staff\\2C HQ,OU=groups,DC=agency', parent), 'Staff, HQ');
  assert.equal(childValue('cn=a,ou=sub,ou=groups,dc=agency', parent), null);
  assert.equal(childValue('', parent), null);
  assert.equal(childValue('not a dn', parent), null);
});
