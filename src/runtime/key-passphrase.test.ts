import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import type { MusterError } from '../core/errors.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { startMuster } from './context.ts';
import { PASSPHRASE_FILE, isInside, keyPassphrase } from './key-passphrase.ts';

describe('the key passphrase', () => {
  let dir = '';
  let dataDir = '';
  const config = (overrides: Record<string, unknown>, env: Record<string, string> = {}) => loadConfig({ env, overrides: { dataDir, ...overrides } });
  const refusesInside = (file: string) => (error: MusterError) => {
    assert.equal(error.code, 'MUSTER_ERR_CONFIG');
    assert.match(error.message, new RegExp(`profile production refuses the key passphrase file ${file}: it is inside dataDir`));
    assert.equal(error.details[0]?.key, 'pki.keyPassphraseFile');
    return true;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-passphrase-'));
    dataDir = join(dir, 'data');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('profile demo (the default) makes a random one in the data folder on first start, readable only by muster', async () => {
    const made = await keyPassphrase(config({}));
    assert.equal(await keyPassphrase(config({})), made);
    assert.equal((await readFile(join(dataDir, PASSPHRASE_FILE), 'utf8')).trim(), made);
    assert.equal((await stat(join(dataDir, PASSPHRASE_FILE))).mode & 0o777, 0o600);
  });

  test('profile production refuses the passphrase file in dataDir, made or configured, naming the key and the path', async () => {
    const inside = join(dataDir, PASSPHRASE_FILE);
    await assert.rejects(keyPassphrase(config({ profile: 'production' })), refusesInside(inside));
    await assert.rejects(keyPassphrase(config({ profile: 'production', pki: { keyPassphraseFile: inside } })), refusesInside(inside));
    await assert.rejects(keyPassphrase(config({}, { MUSTER_PROFILE: 'production', MUSTER_PKI_KEY_PASSPHRASE_FILE: join(dataDir, 'sub', '..', 'p') })), /inside dataDir/);
  });

  test('profile production refuses to start with the passphrase file in dataDir', async () => {
    const store = await pgliteFactory.open();
    try {
      await assert.rejects(startMuster(config({ profile: 'production' }), { store }), refusesInside(join(dataDir, PASSPHRASE_FILE)));
    } finally {
      await store.close();
    }
  });

  test('the passphrase comes from the environment, or from a file outside dataDir', async () => {
    const outside = join(dir, 'passphrase');
    await writeFile(outside, 'a passphrase kept apart\n', { mode: 0o600 });
    assert.equal(await keyPassphrase(config({ profile: 'production', pki: { keyPassphraseFile: outside } })), 'a passphrase kept apart');
    assert.equal(await keyPassphrase(config({ profile: 'production' }, { MUSTER_PKI_KEY_PASSPHRASE: 'from the environment' })), 'from the environment');
  });

  test('a configured file that cannot be read, or holds too short a passphrase, is refused naming it', async () => {
    const missing = join(dir, 'missing');
    await assert.rejects(keyPassphrase(config({ pki: { keyPassphraseFile: missing } })), /cannot read the key passphrase file .*missing/);
    const short = join(dir, 'short');
    await writeFile(short, 'short\n');
    await assert.rejects(keyPassphrase(config({ pki: { keyPassphraseFile: short } })), /shorter than 12 characters/);
  });

  test('inside means the folder itself or below it, not a sibling with the same prefix', () => {
    assert.equal(isInside('/srv/data', '/srv/data/p'), true);
    assert.equal(isInside('/srv/data', '/srv/data-keys/p'), false);
    assert.equal(isInside('/srv/data', '/srv/keys/p'), false);
    assert.equal(isInside('./data', join(process.cwd(), 'data', 'x')), true);
  });
});
