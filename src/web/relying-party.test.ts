import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACR } from '../core/federation/profile.ts';
import { checkAssertion, isRpError } from '../rp/index.ts';
import { consoleAgreements } from './relying-party.ts';

const ISSUER = 'http://localhost:8080/oidc';
const NOW = 1_780_000_000;

function claims(aal: 'aal2' | 'aal3'): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'pairwise-subject',
    aud: 'muster-console',
    iat: NOW - 5,
    auth_time: NOW - 10,
    updated_at: NOW - 1000,
    piv_federation: true,
    piv_home_agency: 'agency_code:9700',
    piv_org_affiliation: ['agency_code:9700'],
    ial: 'ial3',
    aal,
    fal: 'fal2',
    acr: ACR[aal],
    amr: ['sc'],
    piv_credential_type: aal === 'aal3' ? 'piv_card' : 'derived_non_pki',
  };
}

const context = { agreements: consoleAgreements(ISSUER, 'muster-console', '9700'), now: NOW, clientId: 'muster-console' };

test('the console takes an AAL3 assertion of its own OP for its own agency', () => {
  const assertion = checkAssertion(claims('aal3'), context);
  assert.equal(assertion.aal, 'aal3');
  assert.equal(assertion.identifier.sub, 'pairwise-subject');
});

test('the console refuses an assertion below AAL3, from another OP, for another agency, or too old', () => {
  const refusals: Record<string, Record<string, unknown>> = {
    AAL2: claims('aal2'),
    'another OP': { ...claims('aal3'), iss: 'https://idp.other.example/oidc' },
    'another agency': { ...claims('aal3'), piv_home_agency: 'agency_code:1234', piv_org_affiliation: ['agency_code:1234'] },
    'an authentication older than max_age': { ...claims('aal3'), auth_time: NOW - 120 },
  };
  for (const [what, refused] of Object.entries(refusals))
    assert.throws(
      () => checkAssertion(refused, context),
      (error) => isRpError(error),
      what,
    );
});
