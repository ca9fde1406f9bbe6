import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateSigningKeyPem, signerFromPem } from '../audit/checkpoint.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { AuditWriter } from '../audit/writer.ts';
import { ManualClock } from '../core/clock.ts';
import { isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { OperatorPrincipal } from './principal.ts';
import { testOperator } from './test-operators.ts';
import { authenticate, checkToken, createToken, hashToken, listTokens, revokeToken, type OperatorDeps } from './tokens.ts';

const DAY = 86_400_000;
const code = (expected: string) => (error: unknown) => isMusterError(error) && error.code === expected;

describeEachStore('operator tokens', (factory) => {
  let store: Store;
  let deps: OperatorDeps;
  let admin: OperatorPrincipal;
  let alice: string;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const audit = new AuditWriter({ clock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: 100 });

  before(async () => {
    store = await factory.open();
    deps = { store, audit, clock, tokens: { defaultDays: 90, maxDays: 180 } };
    const made = await testOperator(deps, ['operator-admin']);
    admin = { tokenId: made.tokenId, tokenName: 'admin', identityId: made.identityId, roles: ['operator-admin'], actor: made.actor };
    alice = (await testOperator(deps, ['auditor', 'helpdesk'])).identityId;
  });
  after(() => store.close());

  it('issues a token to an operator with some of its roles, stored only as its hash, 90 days by default, audited', async () => {
    const created = await createToken(deps, admin, { identityId: alice, roles: ['auditor'], name: '  ops laptop ' }, 'corr-create');
    assert.match(created.token, /^mst_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.name, 'ops laptop');
    assert.deepEqual(created.roles, ['auditor']);
    assert.equal(created.expiresAt, new Date(clock.now().getTime() + 90 * DAY).toISOString());
    const rows = await store.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [created.id]);
    assert.equal(rows[0]?.token_hash, hashToken(created.token));
    assert.ok(!JSON.stringify(await store.query('SELECT * FROM api_tokens')).includes(created.token));
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-create' });
    assert.equal(entry?.action, 'token.created');
    assert.equal(entry?.actor, admin.actor);
    assert.equal(entry?.target, `token:${created.id}`);
    assert.deepEqual(entry?.data, { name: 'ops laptop', identity_id: alice, roles: ['auditor'], expires_at: created.expiresAt });
    assert.ok(!JSON.stringify(entry).includes(created.token));
  });

  it('refuses a token to one who is not an operator-admin, for a role not held, past the maximum, or for an inactive identity', async () => {
    const auditor = { ...admin, roles: ['auditor'] };
    await assert.rejects(createToken(deps, auditor, { identityId: alice, roles: ['auditor'] }), code('MUSTER_ERR_FORBIDDEN'));
    await assert.rejects(
      createToken(deps, admin, { identityId: alice, roles: ['auditor', 'issuer'] }),
      (e: unknown) => code('MUSTER_ERR_VALIDATION')(e) && /does not hold the role issuer/.test(String(e)),
    );
    await assert.rejects(createToken(deps, admin, { identityId: alice, roles: ['root'] }), /unknown operator role root/);
    await assert.rejects(createToken(deps, admin, { identityId: alice, roles: ['auditor'], expires: '181d' }), /beyond the most a token may live \(admin.tokens.maxDays = 180\)/);
    await assert.rejects(createToken(deps, admin, { identityId: alice, roles: ['auditor'], expires: 'soon' }), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(createToken(deps, admin, { identityId: '00000000-0000-4000-8000-000000000000', roles: ['auditor'] }), code('MUSTER_ERR_NOT_FOUND'));
    const bob = await testOperator(deps, ['auditor']);
    await store.db.updateTable('identities').set({ status: 'leave' }).where('id', '=', bob.identityId).execute();
    await assert.rejects(createToken(deps, admin, { identityId: bob.identityId, roles: ['auditor'] }), (e: unknown) => code('MUSTER_ERR_CONFLICT')(e) && /is leave/.test(String(e)));
  });

  it('authenticates by hash as the operator, marks use at most once a minute', async () => {
    const { id, token } = await createToken(deps, admin, { identityId: alice, roles: ['auditor', 'helpdesk'], name: 'reader' });
    const lastUsed = async () => (await listTokens(store)).find((t) => t.id === id)?.lastUsedAt;
    assert.equal(await lastUsed(), null);
    assert.deepEqual(await authenticate(store, clock, token), { tokenId: id, tokenName: 'reader', identityId: alice, roles: ['auditor', 'helpdesk'], actor: `operator:${alice}` });
    const first = await lastUsed();
    assert.equal(first, clock.now().toISOString());
    clock.advance(30_000);
    await authenticate(store, clock, token);
    assert.equal(await lastUsed(), first, 'not touched again within a minute');
    clock.advance(31_000);
    await authenticate(store, clock, token);
    assert.equal(await lastUsed(), clock.now().toISOString());
  });

  it('refuses malformed, unknown, revoked and expired tokens and those of an operator no longer active, and says why', async () => {
    assert.deepEqual(await checkToken(store, clock, 'nope'), { ok: false, reason: 'malformed' });
    assert.deepEqual(await checkToken(store, clock, `mst_${'x'.repeat(43)}`), { ok: false, reason: 'unknown' });
    const { id, token } = await createToken(deps, admin, { identityId: alice, roles: ['auditor'], name: 'short-lived' });
    const revoked = await revokeToken(deps, admin, id, 'corr-revoke');
    assert.equal(revoked.revokedAt, clock.now().toISOString());
    assert.deepEqual(await checkToken(store, clock, token), { ok: false, reason: 'revoked', tokenId: id });
    assert.equal(await authenticate(store, clock, token), null);
    const again = await revokeToken(deps, admin, id, 'corr-revoke-2');
    assert.equal(again.revokedAt, revoked.revokedAt, 'revoking twice changes nothing');
    assert.equal((await listAuditEntries(store, { correlationId: 'corr-revoke' }))[0]?.action, 'token.revoked');
    assert.deepEqual(await listAuditEntries(store, { correlationId: 'corr-revoke-2' }), []);
    const week = await createToken(deps, admin, { identityId: alice, roles: ['auditor'], expires: '7d' });
    clock.advance(7 * DAY);
    assert.deepEqual(await checkToken(store, clock, week.token), { ok: false, reason: 'expired', tokenId: week.id });
    const carol = await testOperator(deps, ['auditor']);
    await store.db.updateTable('identities').set({ status: 'suspended' }).where('id', '=', carol.identityId).execute();
    assert.deepEqual(await checkToken(store, clock, carol.token), { ok: false, reason: 'inactive', tokenId: carol.tokenId });
  });

  it('takes from a token the roles its operator no longer holds', async () => {
    const dave = await testOperator(deps, ['auditor', 'helpdesk']);
    await store.db
      .updateTable('operator_roles')
      .set({ revoked_at: clock.now(), revoked_by: 'test', revoke_reason: 'test' })
      .where('identity_id', '=', dave.identityId)
      .where('role', '=', 'helpdesk')
      .execute();
    assert.deepEqual((await authenticate(store, clock, dave.token))?.roles, ['auditor']);
  });

  it("revokes another operator's token only for an operator-admin or a security officer; one's own always", async () => {
    const erin = await testOperator(deps, ['auditor']);
    const frank = await testOperator(deps, ['helpdesk']);
    const asFrank = { tokenId: frank.tokenId, tokenName: 'f', identityId: frank.identityId, roles: ['helpdesk'], actor: frank.actor };
    await assert.rejects(revokeToken(deps, asFrank, erin.tokenId), code('MUSTER_ERR_FORBIDDEN'));
    assert.ok((await revokeToken(deps, asFrank, frank.tokenId)).revokedAt);
    assert.ok((await revokeToken(deps, { ...asFrank, roles: ['security-officer'] }, erin.tokenId)).revokedAt);
    await assert.rejects(revokeToken(deps, admin, 'nope'), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(revokeToken(deps, admin, '00000000-0000-4000-8000-000000000000'), code('MUSTER_ERR_NOT_FOUND'));
  });

  it('lists tokens oldest first with operator, roles, expiry and last use, without hashes', async () => {
    const items = await listTokens(store);
    assert.ok(items.length >= 5);
    for (const item of items) assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'expiresAt', 'id', 'identityId', 'lastUsedAt', 'name', 'revokedAt', 'roles']);
    assert.ok(items.some((t) => t.name === 'ops laptop' && t.identityId === alice && t.roles.join() === 'auditor'));
  });
});
