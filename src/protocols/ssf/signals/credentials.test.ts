import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tx } from '../../../store/store.ts';
import { caepCredential, type CredentialFacts } from './credentials.ts';

/** A transaction that finds the authentication certificate (issuer DN, serial in hex) and nothing else. */
const withCertificate = { query: async () => [{ serial: '0a1b', issuer: 'CN=Demo Agency PIV CA' }] } as unknown as Tx;

const card: CredentialFacts = { id: '6f1c2a7e-1111-4222-8333-944445555666', type: 'piv_card', status: 'active', reference: 'a3c9e5f0-9d1e-4c2b-8f70-1234567890ab', details: {} };

describe('CAEP credential-change fields', () => {
  it('a PIV card: x509 issuer and serial, and a friendly name that names neither the card nor the credential', async () => {
    const fields = await caepCredential(withCertificate, card);
    assert.equal(fields.credential_type, 'x509');
    assert.equal(fields.x509_issuer, 'CN=Demo Agency PIV CA');
    assert.equal(fields.x509_serial, String(0x0a1b));
    const friendly = String(fields.friendly_name);
    assert.ok(!friendly.includes(card.reference as string) && !friendly.includes(card.id), `friendly_name leaks an internal id: ${friendly}`);
    assert.equal(friendly, 'PIV card');
  });

  it('a card with no reference does not fall back to its credential id', async () => {
    const fields = await caepCredential(withCertificate, { ...card, reference: null });
    assert.equal(fields.friendly_name, 'PIV card');
  });
});
