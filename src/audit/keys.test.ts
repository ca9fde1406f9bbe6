import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { isMusterError } from '../core/errors.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from '../store/store.ts';
import { publicPemOf, verifyCheckpoint } from './checkpoint.ts';
import { DEFAULT_KEY_FILE, PUBLIC_KEYS_SETTING, loadAuditKeys } from './keys.ts';

describeEachStore('audit signing keys', (factory) => {
  let store: Store;
  let dir: string;

  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await store.query('DELETE FROM settings WHERE key = $1', [PUBLIC_KEYS_SETTING]);
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'muster-keys-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const recorded = async () => (await store.query<{ value: Record<string, string> }>('SELECT value FROM settings WHERE key = $1', [PUBLIC_KEYS_SETTING]))[0]?.value;

  it('creates the key file with mode 0600 (and its folder), records the public key, and reuses it', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const first = await loadAuditKeys({ dataDir, audit: {} }, store);
    const file = join(dataDir, DEFAULT_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const publicPem = publicPemOf(await readFile(file, 'utf8'));
    assert.deepEqual(await recorded(), { [first.signer.keyId]: publicPem });
    assert.deepEqual([...first.publicKeys], [[first.signer.keyId, publicPem]]);

    const second = await loadAuditKeys({ dataDir, audit: {} }, store);
    assert.equal(second.signer.keyId, first.signer.keyId);
    assert.ok(verifyCheckpoint(publicPem, 5, 'ab'.repeat(32), second.signer.sign(5, 'ab'.repeat(32))));
    assert.deepEqual(await recorded(), { [first.signer.keyId]: publicPem });
  });

  it('uses the configured key file and keeps every key ever recorded', async () => {
    const a = await loadAuditKeys({ dataDir: ':memory:', audit: { signingKeyFile: join(dir, 'a.pem') } }, store);
    const b = await loadAuditKeys({ dataDir: ':memory:', audit: { signingKeyFile: join(dir, 'b.pem') } }, store);
    assert.notEqual(a.signer.keyId, b.signer.keyId);
    assert.deepEqual(Object.keys((await recorded()) ?? {}).sort(), [a.signer.keyId, b.signer.keyId].sort());
    assert.deepEqual([...b.publicKeys.keys()].sort(), [a.signer.keyId, b.signer.keyId].sort());
    assert.equal(b.publicKeys.get(a.signer.keyId), a.publicKeys.get(a.signer.keyId));
  });

  it('keeps a generated key in memory only for :memory: data without a key file', async () => {
    const keys = await loadAuditKeys({ dataDir: ':memory:', audit: {} }, store);
    assert.deepEqual(Object.keys((await recorded()) ?? {}), [keys.signer.keyId]);
    await assert.rejects(stat(join(':memory:', DEFAULT_KEY_FILE)), { code: 'ENOENT' });
  });

  it('refuses a key file that is not an Ed25519 private key', async () => {
    const file = join(dir, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await assert.rejects(loadAuditKeys({ dataDir: dir, audit: { signingKeyFile: file } }, store), (e) => isMusterError(e, 'MUSTER_ERR_AUDIT_KEY'));
    await writeFile(file, 'not a key');
    await assert.rejects(loadAuditKeys({ dataDir: dir, audit: { signingKeyFile: file } }, store), (e) => isMusterError(e, 'MUSTER_ERR_AUDIT_KEY'));
  });

  it('refuses a recorded key set that is not a JSON object instead of overwriting it', async () => {
    await store.query(`INSERT INTO settings (key, value) VALUES ($1, '["x"]'::jsonb)`, [PUBLIC_KEYS_SETTING]);
    await assert.rejects(loadAuditKeys({ dataDir: dir, audit: {} }, store), (e) => isMusterError(e, 'MUSTER_ERR_AUDIT_KEY'));
    assert.deepEqual(await recorded(), ['x']);
  });
});
