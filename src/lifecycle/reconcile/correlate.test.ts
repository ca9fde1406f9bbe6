import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import { correlate, linkedVerdict } from './correlate.ts';
import { KeySet } from './key-set.ts';
import type { AccountRow, Candidates } from './lookup.ts';

const A = '0b6f5a57-8a55-4c7e-9d0c-6f3d2b1a0001';
const B = '0b6f5a57-8a55-4c7e-9d0c-6f3d2b1a0002';
const account = (key: string, correlationId: string | null, enabled = true): RemoteAccount => ({ id: `r-${key}`, key, correlationId, enabled, fields: {}, groups: [] });
const row = (status: string, identityStatus: string): AccountRow => ({
  id: 'row',
  identityId: A,
  key: 'k',
  status,
  remoteId: 'r',
  drift: false,
  identityStatus,
  privileged: false,
  situation: 'linked',
  synced: null,
  granted: [],
});
const found = (byKey: Record<string, string[]>, held: Record<string, string> = {}): Candidates => ({
  ids: new Set([A, B]),
  byKey: new Map(Object.entries(byKey)),
  held: new Map(Object.entries(held)),
});

test('a linked account drifts when enabled against the record; a record still enabled needs a recompute first', () => {
  assert.deepEqual(linkedVerdict(account('k', A), row('enabled', 'active')), {
    situation: 'linked',
    row: row('enabled', 'active'),
    drift: false,
    recompute: false,
    memberships: { added: [], missing: [] },
    mappings: false,
  });
  assert.equal((linkedVerdict(account('k', A), row('disabled', 'terminated')) as { drift: boolean }).drift, true);
  assert.equal((linkedVerdict(account('k', A, false), row('disabled', 'terminated')) as { drift: boolean }).drift, false);
  assert.equal((linkedVerdict(account('k', A), row('enabled', 'terminated')) as { recompute: boolean }).recompute, true);
});

test('certificate mappings drift when the target holds other values than muster last wrote, and only then', () => {
  const held = (mappings?: string[]): RemoteAccount => ({ ...account('k', A), ...(mappings ? { certificateMappings: mappings } : {}) });
  const written = (mappings?: string[]): AccountRow => ({ ...row('enabled', 'active'), synced: { enabled: true, fields: {}, groups: [], ...(mappings ? { mappings } : {}) } });
  const drift = (a: RemoteAccount, r: AccountRow) => (linkedVerdict(a, r) as { mappings: boolean }).mappings;
  assert.equal(drift(held(['X509:<I>CN=CA<SR>01']), written(['X509:<I>CN=CA<SR>01'])), false);
  assert.equal(drift(held([]), written(['X509:<I>CN=CA<SR>01'])), true, 'removed in the target');
  assert.equal(drift(held(['X509:<I>CN=CA<SR>01', 'X509:<I>CN=CA<SR>02']), written(['X509:<I>CN=CA<SR>01'])), true, 'added in the target');
  assert.equal(drift(held(['X509:<I>CN=CA<SR>01']), written()), false, 'nothing written by muster: nothing known');
  assert.equal(drift(held(), written(['X509:<I>CN=CA<SR>01'])), false, 'a target that does not map certificates');
});

test('memberships drift when the target holds a group muster neither made nor granted, or lacks one it made and grants', () => {
  const held = (groups: string[]): RemoteAccount => ({ ...account('k', A), groups });
  const synced = (groups: string[] | null, granted: string[]): AccountRow => ({ ...row('enabled', 'active'), synced: groups === null ? null : { enabled: true, fields: {}, groups }, granted });
  const drift = (a: RemoteAccount, r: AccountRow) => (linkedVerdict(a, r, true) as { memberships: unknown }).memberships;
  assert.deepEqual(drift(held(['staff', 'admins', 'x']), synced(['staff'], ['staff'])), { added: ['admins', 'x'], missing: [] });
  assert.deepEqual(drift(held([]), synced(['staff', 'old'], ['staff'])), { added: [], missing: ['staff'] }, "a group no longer granted is provisioning's to remove");
  assert.deepEqual(drift(held(['staff', 'new']), synced(['staff'], ['staff', 'new'])), { added: [], missing: [] }, 'a grant being provisioned');
  assert.deepEqual(drift(held(['staff', 'old']), synced(['staff', 'old'], ['staff'])), { added: [], missing: [] }, 'a removal being provisioned');
  assert.deepEqual(drift(held(['admins']), synced(null, [])), { added: [], missing: [] }, 'nothing known without a synced state');
  assert.deepEqual(drift(held(['admins']), synced([], [])), { added: ['admins'], missing: [] });
  assert.deepEqual((linkedVerdict(held(['admins']), synced([], [])) as { memberships: unknown }).memberships, { added: [], missing: [] }, 'a target whose groups are not compared');
});

test('correlation value and key agree, disagree, or find nobody', () => {
  assert.deepEqual(correlate(account('k', A), null, found({ k: [A] }), new Set()), { situation: 'unlinked', identityId: A, row: null });
  assert.deepEqual(correlate(account('k', 'legacy-7'), null, found({ k: [B] }), new Set()), { situation: 'unlinked', identityId: B, row: null });
  assert.equal(correlate(account('k', A), null, found({ k: [B] }), new Set()).situation, 'disputed');
  assert.deepEqual((correlate(account('k', null), null, found({ k: [A, B] }), new Set()) as { candidates: readonly string[] }).candidates, [A, B]);
  assert.equal(correlate(account('k', 'legacy-7'), null, found({}), new Set()).situation, 'unmatched');
  assert.equal(correlate(account('k', '0b6f5a57-8a55-4c7e-9d0c-6f3d2b1a0099'), null, found({}), new Set()).situation, 'unmatched', 'an unknown id names nobody');
});

test('an identity that already holds an account in the target is not given a second one', () => {
  assert.equal(correlate(account('k2', A), null, found({}, { [A]: 'k1' }), new Set()).situation, 'disputed');
  assert.equal(correlate(account('k2', A), null, found({}), new Set([A])).situation, 'disputed');
});

test('the key set remembers every key through its growth and nothing else', () => {
  const seen = new KeySet();
  for (let i = 0; i < 50_000; i++) assert.equal(seen.add(`user${i}`), true);
  assert.equal(seen.add('user123'), false);
  assert.equal(seen.size, 50_000);
  for (let i = 0; i < 50_000; i++) assert.equal(seen.has(`user${i}`), true);
  for (let i = 50_000; i < 100_000; i++) assert.equal(seen.has(`user${i}`), false);
  assert.equal(seen.has(''), false);
});
