import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsecuredJWT } from 'jose';
import type { ConsoleOperator } from '../../operators/console-sessions.ts';
import { pivSessionOf } from './routes.ts';

const session = (claims: Record<string, unknown> | null): ConsoleOperator => ({
  sessionId: 's',
  identityId: 'i',
  kind: 'self',
  roles: [],
  acr: null,
  actor: 'operator:i',
  authTime: new Date(0),
  idToken: claims === null ? null : new UnsecuredJWT(claims).encode(),
});

test('a session opened with the PIV card names its certificate; one opened otherwise names none', () => {
  assert.deepEqual(pivSessionOf(session({ piv_credential_type: 'piv_card', x509_certificate_id: 'abc' })), { certThumbprint: 'abc' });
  assert.equal(pivSessionOf(session({ piv_credential_type: 'derived_pki', x509_certificate_id: 'abc' })), undefined, 'a PKI-based derived credential is not the card');
  assert.equal(pivSessionOf(session({ piv_credential_type: 'piv_card' })), undefined, 'no certificate identifier released');
  assert.equal(pivSessionOf(session(null)), undefined);
});
