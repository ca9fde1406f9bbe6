import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateSigningKeyPem, signerFromPem } from '../audit/checkpoint.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { AuditWriter } from '../audit/writer.ts';
import { ManualClock } from '../core/clock.ts';
import { isMusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { authenticate, checkToken, createToken, hashToken, listTokens, revokeToken } from './tokens.ts';

describeEachStore('api tokens', (factory) => {
  let store: Store;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const audit = new AuditWriter({ clock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: 100 });

  before(async () => {
    store = await factory.open();
  });
  after(() => store.close());

  it('creates a token stored only as its hash, and audits the creation', async () => {
    const created = await createToken(store, audit, clock, '  ops laptop ', 'admin:alice', 'corr-create');
    assert.match(created.token, /^mst_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.name, 'ops laptop');
    const rows = await store.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [created.id]);
    assert.equal(rows[0]?.token_hash, hashToken(created.token));
    assert.ok(!JSON.stringify(await store.query('SELECT * FROM api_tokens')).includes(created.token));
    const [entry] = await listAuditEntries(store, { correlationId: 'corr-create' });
    assert.equal(entry?.action, 'token.created');
    assert.equal(entry?.actor, 'admin:alice');
    assert.equal(entry?.target, `token:${created.id}`);
    assert.ok(!JSON.stringify(entry).includes(created.token));
    clock.advance(1_000);
  });

  it('authenticates by hash and marks use at most once a minute', async () => {
    const { id, token } = await createToken(store, audit, clock, 'reader', 'admin:alice');
    const lastUsed = async () => (await listTokens(store)).find((t) => t.id === id)?.lastUsedAt;
    assert.equal(await lastUsed(), null);
    assert.deepEqual(await authenticate(store, clock, token), { id, name: 'reader' });
    const first = await lastUsed();
    assert.equal(first, clock.now().toISOString());
    clock.advance(30_000);
    await authenticate(store, clock, token);
    assert.equal(await lastUsed(), first, 'not touched again within a minute');
    clock.advance(31_000);
    await authenticate(store, clock, token);
    assert.equal(await lastUsed(), clock.now().toISOString());
  });

  it('refuses malformed, unknown and revoked tokens and says why', async () => {
    assert.deepEqual(await checkToken(store, clock, 'nope'), { ok: false, reason: 'malformed' });
    assert.deepEqual(await checkToken(store, clock, `mst_${'x'.repeat(43)}`), { ok: false, reason: 'unknown' });
    const { id, token } = await createToken(store, audit, clock, 'short-lived', 'admin:alice');
    const revoked = await revokeToken(store, audit, clock, id, 'admin:bob', 'corr-revoke');
    assert.equal(revoked.revokedAt, clock.now().toISOString());
    assert.deepEqual(await checkToken(store, clock, token), { ok: false, reason: 'revoked', tokenId: id });
    assert.equal(await authenticate(store, clock, token), null);
    const again = await revokeToken(store, audit, clock, id, 'admin:bob', 'corr-revoke-2');
    assert.equal(again.revokedAt, revoked.revokedAt, 'revoking twice changes nothing');
    assert.equal((await listAuditEntries(store, { correlationId: 'corr-revoke' }))[0]?.action, 'token.revoked');
    assert.deepEqual(await listAuditEntries(store, { correlationId: 'corr-revoke-2' }), []);
  });

  it('lists tokens oldest first without hashes', async () => {
    const items = await listTokens(store);
    assert.deepEqual(items.map((t) => t.name), ['ops laptop', 'reader', 'short-lived']);
    for (const item of items) assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt']);
  });

  it('refuses a bad name, a malformed id and an unknown id', async () => {
    const code = (expected: string) => (error: unknown) => isMusterError(error) && error.code === expected;
    await assert.rejects(createToken(store, audit, clock, '   ', 'admin:alice'), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(createToken(store, audit, clock, 'bad\nname', 'admin:alice'), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(revokeToken(store, audit, clock, 'nope', 'admin:alice'), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(revokeToken(store, audit, clock, '00000000-0000-4000-8000-000000000000', 'admin:alice'), code('MUSTER_ERR_NOT_FOUND'));
  });
});
