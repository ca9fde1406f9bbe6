import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMusterError } from '../../core/errors.ts';
import { cardRequest, proofingRequest } from './forms.ts';

const NOW = new Date('2026-03-02T15:04:05Z');
const form =
  (fields: Record<string, string>) =>
  (name: string): string =>
    fields[name] ?? '';
const DOCUMENT = { 'evidence1-type': 'passport', 'evidence1-issuer': 'U.S. Department of State', 'evidence1-number': 'P1', 'evidence1-strength': 'superior', 'evidence1-photo': 'yes' };

function refusedNaming(work: () => unknown, field: string): void {
  assert.throws(work, (error: unknown) => isMusterError(error) && error.code === 'MUSTER_ERR_VALIDATION' && error.details?.[0]?.field === field);
}

test('the proofing form gives the documents seen; proofed today is proofed now, an earlier day at its start', () => {
  const today = proofingRequest('id', form({ ial: 'IAL3', method: 'in-person', proofedOn: '2026-03-02', ...DOCUMENT }), NOW);
  assert.equal(today.proofedAt, NOW);
  assert.deepEqual(today.evidence, [{ type: 'passport', issuer: 'U.S. Department of State', documentId: 'P1', strength: 'superior', photo: true }]);
  const earlier = proofingRequest(
    'id',
    form({
      ial: 'IAL3',
      method: 'supervised-remote',
      proofedOn: '2026-02-27',
      ...DOCUMENT,
      'evidence2-type': 'state-id',
      'evidence2-issuer': 'Maryland',
      'evidence2-number': 'S2',
      'evidence2-strength': 'strong',
    }),
    NOW,
  );
  assert.equal(earlier.proofedAt.toISOString(), '2026-02-27T00:00:00.000Z');
  assert.equal(earlier.evidence[1]?.photo, false);
});

test('a malformed proofing form is refused naming the field', () => {
  refusedNaming(() => proofingRequest('id', form({ method: 'by mail', proofedOn: '2026-03-02', ...DOCUMENT }), NOW), 'How');
  refusedNaming(() => proofingRequest('id', form({ method: 'in-person', proofedOn: 'yesterday', ...DOCUMENT }), NOW), 'Proofed on');
  refusedNaming(() => proofingRequest('id', form({ method: 'in-person', proofedOn: '2026-03-02' }), NOW), 'Document 1');
  refusedNaming(() => proofingRequest('id', form({ method: 'in-person', proofedOn: '2026-03-02', ...DOCUMENT, 'evidence2-type': 'state-id' }), NOW), 'Document 2');
  refusedNaming(() => proofingRequest('id', form({ method: 'in-person', proofedOn: '2026-03-02', ...DOCUMENT, 'evidence1-strength': 'great' }), NOW), 'Document 1 strength');
});

test('the issuance form needs both key requests and an expiry day', () => {
  const made = cardRequest('id', form({ expires: '2031-01-31', pivAuthCsr: ' PEM1 ', cardAuthCsr: 'PEM2' }));
  assert.deepEqual(made, { identityId: 'id', expiresAt: new Date('2031-01-31T00:00:00Z'), pivAuthCsr: 'PEM1', cardAuthCsr: 'PEM2' });
  refusedNaming(() => cardRequest('id', form({ expires: '2031-01-31', cardAuthCsr: 'PEM2' })), 'PIV Authentication key request');
  refusedNaming(() => cardRequest('id', form({ expires: '2031-01-31', pivAuthCsr: 'PEM1' })), 'Card Authentication key request');
  refusedNaming(() => cardRequest('id', form({ expires: '31/01/2031', pivAuthCsr: 'PEM1', cardAuthCsr: 'PEM2' })), 'Card expiry');
});
