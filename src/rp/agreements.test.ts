import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreementFor, agreementsWith, parseAgreements } from './agreements.ts';
import { isRpError } from './errors.ts';

const base = { issuer: 'https://idp.a.example', homeAgencies: ['agency_code:4700'], minFal: 'fal2', minAal: 'aal2', maxAuthenticationAgeSeconds: 3600 };

function configError(field: string) {
  return (error: unknown) => isRpError(error, 'RP_ERR_CONFIG') && error.details.field?.includes(field) === true;
}

test('agreements are checked once: unknown keys, bad values and unknown signals are refused', () => {
  assert.throws(() => parseAgreements([{ ...base, id: 'a', colour: 'blue' }]), configError('0'));
  assert.throws(() => parseAgreements([{ ...base, id: 'a', minFal: 'fal4' }]), configError('minFal'));
  assert.throws(() => parseAgreements([{ ...base, id: 'a', signals: { 'account-disabled': 'shrug' } }]), configError('signals'));
  assert.throws(() => parseAgreements([{ ...base, id: 'a', signals: { 'not-a-signal': 'end-sessions' } }]), configError('signals'));
  assert.throws(() => parseAgreements([{ ...base, id: 'a', homeAgencies: ['4700'] }]), configError('homeAgencies'));
  assert.throws(() => parseAgreements([]), configError(''));
});

test('one home agency maps to one PIV IdP, unless affiliations split it deterministically', () => {
  const other = { ...base, id: 'b', issuer: 'https://idp.b.example' };
  assert.throws(() => parseAgreements([{ ...base, id: 'a' }, other]), configError('homeAgencies'));
  assert.throws(
    () =>
      parseAgreements([
        { ...base, id: 'a', affiliations: ['x'] },
        { ...other, affiliations: ['x', 'y'] },
      ]),
    configError('homeAgencies'),
  );
  const split = parseAgreements([
    { ...base, id: 'a', affiliations: ['employees'] },
    { ...other, affiliations: ['contractors'] },
  ]);
  assert.equal(agreementFor(split, 'agency_code:4700', ['contractors'])?.issuer, 'https://idp.b.example');
  assert.equal(agreementFor(split, 'agency_code:4700', ['employees'])?.issuer, 'https://idp.a.example');
  assert.equal(agreementFor(split, 'agency_code:4700', ['visitors']), undefined);
  assert.equal(agreementsWith(split, 'https://idp.a.example').length, 1);
  assert.equal(agreementsWith(split, 'https://idp.a.example/').length, 0, 'issuer identifiers compare exactly');
});
