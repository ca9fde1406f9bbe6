import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHarness } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { withRequestReads } from './request-reads.ts';
import { insertPayloadOnce, PayloadAdapter, purgeExpiredPayloads, type ClientSource } from './adapter.ts';

const noClients: ClientSource = { find: async () => undefined, save: async () => undefined };

describeEachStore('oidc-provider adapter over oidc_payloads', (factory) => {
  const h = useHarness(factory);

  test('upsert, find by id, uid and user code; consume marks the payload; expiry follows the injected clock', async () => {
    const codes = new PayloadAdapter('AuthorizationCode', { store: h.store, clock: h.clock, clients: noClients });
    await codes.upsert('c1', { accountId: 'a1', grantId: 'g1', uid: 'u1', userCode: 'UC-1', kind: 'AuthorizationCode' }, 60);
    assert.equal((await codes.find('c1'))?.accountId, 'a1');
    assert.equal((await codes.findByUid('u1'))?.grantId, 'g1');
    assert.equal((await codes.findByUserCode('UC-1'))?.uid, 'u1');
    const [row] = await h.store.query<{ account_id: string }>(`SELECT account_id FROM oidc_payloads WHERE id = 'c1'`);
    assert.equal(row?.account_id, 'a1');
    await codes.consume('c1');
    assert.equal(typeof (await codes.find('c1'))?.consumed, 'number');
    await assert.rejects(codes.consume('c1'), (error: Error) => error.name === 'InvalidGrant', 'a second use is refused');
    await codes.upsert('c2', { accountId: 'a1', kind: 'AuthorizationCode' }, 60);
    const redeemed = await Promise.allSettled([codes.consume('c2'), codes.consume('c2'), codes.consume('c2')]);
    assert.equal(redeemed.filter((r) => r.status === 'fulfilled').length, 1, 'of redemptions at once, one uses the code');
    h.clock.advance(61_000);
    assert.equal(await codes.find('c1'), undefined, 'expired rows are not found');
    assert.equal(await purgeExpiredPayloads(h.store, h.clock.now()), 2);
  });

  test("revokeByGrantId removes the grant's rows of the model; destroy removes one", async () => {
    const tokens = new PayloadAdapter('AccessToken', { store: h.store, clock: h.clock, clients: noClients });
    await tokens.upsert('t1', { grantId: 'g2' }, 600);
    await tokens.upsert('t2', { grantId: 'g2' }, 600);
    await tokens.upsert('t3', { grantId: 'g3' }, 600);
    await tokens.revokeByGrantId('g2');
    assert.deepEqual([await tokens.find('t1'), await tokens.find('t2')], [undefined, undefined]);
    assert.ok(await tokens.find('t3'));
    await tokens.destroy('t3');
    assert.equal(await tokens.find('t3'), undefined);
  });

  test('a row written only once: of several writers of a live id at once exactly one writes it; once expired, the id is free again', async () => {
    const expires = new Date(h.clock.now().getTime() + 60_000);
    const writes = await Promise.all([1, 2, 3, 4].map(() => insertPayloadOnce(h.store, 'ReplayDetection', 'jti-1', { iss: 'rp' }, expires, h.clock.now())));
    assert.deepEqual(writes.filter(Boolean).length, 1);
    assert.equal(await insertPayloadOnce(h.store, 'ReplayDetection', 'jti-1', { iss: 'rp' }, expires, h.clock.now()), false, 'a replay is refused');
    h.clock.advance(61_000);
    const later = new Date(h.clock.now().getTime() + 60_000);
    assert.equal(await insertPayloadOnce(h.store, 'ReplayDetection', 'jti-1', { iss: 'rp' }, later, h.clock.now()), true);
  });

  test('within one request a code is read with its grant and session, which later look-ups take without asking the store; a write of the model reads afresh', async () => {
    const deps = { store: h.store, clock: h.clock, clients: noClients };
    const [codes, grants, sessions] = ['AuthorizationCode', 'Grant', 'Session'].map((m) => new PayloadAdapter(m, deps)) as [PayloadAdapter, PayloadAdapter, PayloadAdapter];
    await grants.upsert('g4', { accountId: 'a4', kind: 'Grant' }, 600);
    await sessions.upsert('s4', { uid: 'su4', accountId: 'a4', kind: 'Session' }, 600);
    await codes.upsert('c4', { grantId: 'g4', sessionUid: 'su4', kind: 'AuthorizationCode' }, 60);
    await withRequestReads(async () => {
      assert.equal((await codes.find('c4'))?.grantId, 'g4');
      await h.store.query(`UPDATE oidc_payloads SET payload = payload || '{"seen":"later"}' WHERE id IN ('g4', 's4')`);
      assert.equal((await grants.find('g4'))?.seen, undefined, 'the grant as read with the code');
      assert.equal((await sessions.findByUid('su4'))?.seen, undefined, 'the session as read with the code');
      await grants.upsert('g5', { kind: 'Grant' }, 600);
      assert.equal((await grants.find('g4'))?.seen, 'later', 'after a write of grants, the store again');
    });
    assert.equal((await sessions.findByUid('su4'))?.seen, 'later', 'another request reads the store');
  });
});
