import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingSeparationRefusal, issuanceSeparationRefusal, operatorIdOf, secondPersonRefusal } from './separation.ts';

test('sponsor, registrar and issuer are three people, none the applicant: each pair broken names its rule', () => {
  const cases: [Parameters<typeof issuanceSeparationRefusal>[0], string | null][] = [
    [{ applicant: 'a', sponsor: 's', registrar: 'r', issuer: 'i' }, null],
    [{ applicant: 'a', sponsor: 'a', registrar: 'r', issuer: 'i' }, 'sponsor-not-applicant'],
    [{ applicant: 'a', sponsor: 's', registrar: 'a', issuer: 'i' }, 'registrar-not-applicant'],
    [{ applicant: 'a', sponsor: 's', registrar: 'r', issuer: 'a' }, 'issuer-not-applicant'],
    [{ applicant: 'a', sponsor: 's', registrar: 's', issuer: 'i' }, 'sponsor-not-registrar'],
    [{ applicant: 'a', sponsor: 's', registrar: 'r', issuer: 's' }, 'issuer-not-sponsor'],
    [{ applicant: 'a', sponsor: 's', registrar: 'r', issuer: 'r' }, 'issuer-not-registrar'],
    [{ applicant: 'a', sponsor: 's' }, null],
    [{ applicant: 'a', registrar: 'r', issuer: undefined }, null],
  ];
  for (const [parties, rule] of cases) assert.equal(issuanceSeparationRefusal(parties)?.rule ?? null, rule, JSON.stringify(parties));
});

test('an operator actor names its identity; a system actor names none', () => {
  assert.equal(operatorIdOf('operator:abc'), 'abc');
  assert.equal(operatorIdOf('muster:demo'), undefined);
});

test('a Derived PIV binding is not approved by its holder, and a proposal not confirmed by its proposer', () => {
  assert.equal(bindingSeparationRefusal('h', 'operator:h')?.rule, 'binder-not-holder');
  assert.equal(bindingSeparationRefusal('h', 'operator:x'), null);
  assert.equal(bindingSeparationRefusal('h', 'operator:h', { holderPivAuthenticated: false })?.rule, 'binder-not-holder');
  assert.equal(bindingSeparationRefusal('h', 'operator:h', { holderPivAuthenticated: true }), null, 'the holder binds after their own PIV authentication (SP 800-157r1)');
  assert.equal(secondPersonRefusal('operator:a', 'operator:a', 'x')?.rule, 'second-person');
  assert.equal(secondPersonRefusal('operator:a', 'operator:b', 'x'), null);
});
