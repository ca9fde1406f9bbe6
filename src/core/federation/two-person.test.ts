import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreementDocumentSchema } from './agreement.ts';
import { twoPersonAgreementChanges } from './two-person.ts';

const doc = (over: Record<string, unknown> = {}, rp: Record<string, unknown> = {}) =>
  agreementDocumentSchema.parse({
    name: 'Benefits portal',
    population: { agencyCodes: ['9700'] },
    idp: { issuer: 'https://idp.example.gov', home: true },
    relyingParties: [{ clientId: 'rp-1', name: 'RP', redirectUris: ['https://rp.example.gov/cb'], jwksUri: 'https://rp.example.gov/jwks', ...rp }],
    ...over,
  });

test('redirect URIs, keys, released attributes and new relying parties need a second person; other edits do not', () => {
  const current = doc();
  assert.deepEqual(twoPersonAgreementChanges(current, doc({ description: 'new words' }, { name: 'Renamed' })), []);
  assert.deepEqual(twoPersonAgreementChanges(current, doc({}, { redirectUris: ['https://evil.example.com/cb'] })), ['relyingParties[rp-1].redirectUris']);
  assert.deepEqual(twoPersonAgreementChanges(current, doc({}, { jwksUri: 'https://evil.example.com/jwks' })), ['relyingParties[rp-1].jwksUri']);
  assert.deepEqual(twoPersonAgreementChanges(current, doc({ attributes: [{ name: 'email', purpose: 'contact' }] })).includes('attributes'), true);
  const added = doc({ relyingParties: [...current.relyingParties, { clientId: 'rp-2', name: 'Two', redirectUris: ['https://two.example.gov/cb'], jwksUri: 'https://two.example.gov/jwks' }] });
  assert.deepEqual(twoPersonAgreementChanges(current, added), ['relyingParties[rp-2]']);
  assert.deepEqual(twoPersonAgreementChanges(undefined, current), []);
});
