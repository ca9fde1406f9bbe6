import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emailProblem, escapeForDisplay, nameProblem, unsafeTextProblem } from './text-checks.ts';

test('control, bidirectional and invisible characters are refused in any text', () => {
  for (const bad of ['Ada\u0007', 'Ada\tLovelace', 'Ada\u0085', 'Ada\u202Eecalevol', 'Ada\u2066x', 'Ad\u200Ba', '\uFEFFAda', 'Ada\u00ADLove']) {
    assert.ok(unsafeTextProblem(bad), JSON.stringify(bad));
  }
  for (const good of ['Ada Lovelace', 'José Álvarez', 'Œuvre & Co. (R&D)', '李小龍', 'Ørsted']) assert.equal(unsafeTextProblem(good), undefined, good);
});

test('names hold letters of any script, spaces and the punctuation names carry, but no markup and no look-alike mix', () => {
  for (const good of ["O'Brien", 'Jean-Luc', 'Siobhán Ní Bhriain', 'Zoë', 'Martin Luther King, Jr.', 'D’Angelo', 'Иван Петров', 'Ελένη', '李小龍']) {
    assert.equal(nameProblem(good), undefined, good);
  }
  assert.match(nameProblem('<script>alert(1)</script>') ?? '', /letters, digits, spaces/);
  assert.match(nameProblem('Ada (admin)') ?? '', /letters, digits, spaces/);
  // a Cyrillic "о" (U+043E) in a Latin name
  assert.match(nameProblem('J\u043Ehn Smith') ?? '', /look-alike letters of another script in 'J\u043Ehn'/);
  assert.equal(nameProblem('John Иванов'), undefined, 'each word in one script: a Russian family name beside an English given name');
});

test('an email address is an RFC 5322 addr-spec with a host name for its domain', () => {
  for (const good of ['ada.lovelace@demo.gov', "o'brien+hr@agency.example.gov", 'a_b-c@x.io']) assert.equal(emailProblem(good), undefined, good);
  for (const bad of [
    '<img/src=x/onerror=alert(1)>@evil.gov',
    'ada@demo',
    'ada..b@demo.gov',
    '.ada@demo.gov',
    'ada@-demo.gov',
    'ad a@demo.gov',
    'j\u043Ehn@demo.gov',
    '"quoted"@demo.gov',
    `${'a'.repeat(65)}@demo.gov`,
  ]) {
    assert.ok(emailProblem(bad), bad);
  }
});

test('what reaches a terminal shows control and bidirectional characters as escapes', () => {
  assert.equal(escapeForDisplay('Ada\u001B[31mRED\u202E'), 'Ada\\u{1b}[31mRED\\u{202e}');
  assert.equal(escapeForDisplay('José Álvarez'), 'José Álvarez');
});

test('printable ASCII, checked by the short path, is judged as the Unicode rules judge it: the same character with a non-ASCII letter beside it', () => {
  for (let code = 0x20; code <= 0x7e; code++) {
    const c = String.fromCharCode(code);
    assert.equal(unsafeTextProblem(`Ada${c}`), undefined, c);
    const allowed = /[A-Za-z0-9 '.,-]/.test(c);
    assert.equal(nameProblem(`Ada${c}b`) === undefined, allowed, c);
    assert.equal(nameProblem(`Zoë${c}b`) === undefined, allowed, `${c} beside a non-ASCII letter`);
  }
  assert.ok(unsafeTextProblem('Ada\u007F'), 'DEL is outside the short path');
});
