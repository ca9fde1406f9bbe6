import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAuditEntries } from '../../../audit/queries.ts';
import { useHarness } from '../../../../test/support/muster.ts';
import { pgliteFactory } from '../../../../test/support/stores.ts';
import { SignInRefused } from './refusal.ts';
import { auditRefusal } from './sign-in.ts';

const h = useHarness(pgliteFactory);

test('a refusal a person may repeat at will (no access grant) is audited five times a minute per person and relying party; the rest are counted', async () => {
  const refuse = (identityId: string) => new SignInRefused('no-access-grant', 'access is given on request', { identityId }, `${identityId} rp-a`);
  for (let i = 0; i < 8; i++) await auditRefusal(h, refuse('p1'), `u${i}`, 'rp-a', 'certificate');
  await auditRefusal(h, refuse('p2'), 'other', 'rp-a', 'certificate');
  const entries = async (target: string) => listAuditEntries(h.store, { action: 'oidc.sign-in.refused', target });
  assert.equal((await entries('p1')).length, 5);
  assert.equal((await entries('p2')).length, 1, 'another person has a budget of their own');
  h.clock.advance(61_000);
  await auditRefusal(h, refuse('p1'), 'later', 'rp-a', 'certificate');
  const p1 = await entries('p1');
  assert.equal(p1.length, 6);
  const later = p1.find((e) => (e.data as { interaction?: string }).interaction === 'later');
  assert.equal((later?.data as { suppressed_before?: number } | undefined)?.suppressed_before, 3);
  await auditRefusal(h, new SignInRefused('aal-too-low', 'use your card', { identityId: 'p3' }), 'aal', 'rp-a', 'certificate');
  assert.equal((await entries('p3')).length, 1, 'other refusals are audited each time');
});
