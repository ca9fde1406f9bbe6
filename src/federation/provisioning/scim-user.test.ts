import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PIV_EXTENSION, rpUserResource, withoutExtension } from './scim-user.ts';
import { wantedAccount } from './sync.ts';

const account = {
  sub: 'pairwise-sub',
  active: true,
  homeAgency: '9700',
  affiliations: ['Demo Agency'],
  lastUpdated: new Date('2026-03-02T09:00:00Z'),
  values: { employee_id: 'E1', given_name: 'Ada', family_name: 'Lovelace', full_name: '', email: 'ada@demo.gov' },
};

test('a User carries the subject, state and PIV extension, and only the agreed attributes', () => {
  const user = rpUserResource(account, ['given_name', 'x509_certificate_id'], true);
  assert.deepEqual(user, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', PIV_EXTENSION],
    externalId: 'pairwise-sub',
    userName: 'pairwise-sub',
    active: true,
    name: { givenName: 'Ada' },
    [PIV_EXTENSION]: { homeAgency: 'agency_code:9700', orgAffiliations: ['Demo Agency'], ial: 'ial3', lastUpdated: '2026-03-02T09:00:00.000Z' },
  });
  assert.ok(!JSON.stringify(user).includes('E1'));
});

test('agreed name and email are released; a missing value releases nothing', () => {
  const user = rpUserResource(account, ['name', 'email', 'phone_number', 'address'], false);
  assert.deepEqual(user.name, { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' });
  assert.deepEqual(user.emails, [{ value: 'ada@demo.gov', type: 'work', primary: true }]);
  assert.equal(user.phoneNumbers, undefined);
  assert.equal(user.addresses, undefined);
  assert.deepEqual(user.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User']);
  assert.deepEqual(withoutExtension(rpUserResource(account, [], true)), rpUserResource(account, [], false));
});

test('the account wanted at an RP follows the identity status, and leaving the population terminates it', () => {
  assert.equal(wantedAccount('active', true), 'active');
  assert.equal(wantedAccount('leave', true), 'inactive');
  assert.equal(wantedAccount('suspended', true), 'inactive');
  assert.equal(wantedAccount('inactive', true), 'terminated');
  assert.equal(wantedAccount('terminated', true), 'terminated');
  assert.equal(wantedAccount('pending', true), 'none');
  assert.equal(wantedAccount('active', false), 'terminated');
});
