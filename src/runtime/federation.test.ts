import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { identityByKey } from '../lifecycle/test-fixtures.ts';
import { upsertPayload } from '../protocols/oidc/adapter.ts';
import { loginOfSession, saveLogin } from '../protocols/oidc/login-record.ts';
import { loadConfig } from '../config/load.ts';
import type { MusterError } from '../core/errors.ts';
import { endIdentitySessions, foreignIntermediates } from './federation.ts';

describe("ending an identity's OP sessions", () => {
  const h = useHarness(pgliteFactory);
  const ids: Record<string, string> = {};

  before(async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1'), hrLine('E2')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied');
    for (const key of ['E1', 'E2']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
  });

  test("deletes the identity's sessions, grants, codes and tokens and ends its sign-ins; others are untouched", async () => {
    const later = new Date(h.clock.now().getTime() + 3_600_000);
    for (const [model, id, who] of [
      ['Session', 's1', 'E1'],
      ['Grant', 'g1', 'E1'],
      ['AccessToken', 'a1', 'E1'],
      ['AuthorizationCode', 'c1', 'E1'],
      ['Session', 's2', 'E2'],
    ] as const) {
      await upsertPayload(h.store, model, id, { accountId: ids[who] as string }, later);
    }
    for (const [uid, who] of [
      ['u1', 'E1'],
      ['u2', 'E2'],
    ] as const) {
      await saveLogin(h.store, {
        sessionUid: uid,
        identityId: ids[who] as string,
        credentialId: 'c',
        credentialType: 'piv_card',
        aal: 'aal3',
        amr: ['sc'],
        certThumbprint: null,
        authTime: h.clock.now(),
      });
    }
    assert.deepEqual(await endIdentitySessions(h.store, ids.E1 as string, h.clock.now()), ['u1']);
    const left = await h.store.query<{ id: string }>('SELECT id FROM oidc_payloads ORDER BY id');
    assert.deepEqual(
      left.map((r) => r.id),
      ['s2'],
    );
    assert.ok((await loginOfSession(h.store, 'u1'))?.endedAt);
    assert.equal((await loginOfSession(h.store, 'u2'))?.endedAt, null);
    assert.deepEqual(await endIdentitySessions(h.store, ids.E1 as string, h.clock.now()), [], 'a second run finds nothing');
  });
});

describe("other agencies' intermediate CAs", () => {
  const dir = mkdtempSync(join(tmpdir(), 'muster-intermediates-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const block = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
  const configWith = (files: string[]) => loadConfig({ env: {}, overrides: { dataDir: dir, federation: { mtls: { foreignIntermediateFiles: files } } } });

  test('gives each certificate of every file apart (a file may hold a bundle)', async () => {
    writeFileSync(join(dir, 'bundle.pem'), `${block('AAAA')}\n${block('BBBB')}\n`);
    writeFileSync(join(dir, 'one.pem'), `issuer text before it\n${block('CCCC')}\n`);
    const pems = await foreignIntermediates(configWith([join(dir, 'bundle.pem'), join(dir, 'one.pem')]));
    assert.deepEqual(pems, [`${block('AAAA')}\n`, `${block('BBBB')}\n`, `${block('CCCC')}\n`]);
  });

  test('refuses a file it cannot read or that holds no certificate, naming the setting and the file', async () => {
    writeFileSync(join(dir, 'empty.pem'), 'nothing here\n');
    await assert.rejects(foreignIntermediates(configWith([join(dir, 'empty.pem')])), (error: MusterError) => {
      assert.equal(error.code, 'MUSTER_ERR_CONFIG');
      assert.deepEqual(
        error.details.map((d) => [d.key, d.value]),
        [['federation.mtls.foreignIntermediateFiles', join(dir, 'empty.pem')]],
      );
      return true;
    });
    await assert.rejects(foreignIntermediates(configWith([join(dir, 'missing.pem')])), /cannot read the intermediate CA file/);
  });
});
