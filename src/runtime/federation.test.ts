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
import { ManualClock } from '../core/clock.ts';
import { createCaHierarchy } from '../pki/ca.ts';
import { X509Certificate } from '../pki/x509.ts';
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
  const configWith = (files: string[]) => loadConfig({ env: {}, overrides: { dataDir: dir, federation: { mtls: { foreignIntermediateFiles: files } } } });
  const refusedFor = (file: string, message: RegExp) => (error: MusterError) => {
    assert.equal(error.code, 'MUSTER_ERR_CONFIG');
    assert.match(error.message, message);
    assert.deepEqual(
      error.details.map((d) => [d.key, d.value]),
      [['federation.mtls.foreignIntermediateFiles', file]],
    );
    return true;
  };

  test('gives each certificate of every file apart (a file may hold a bundle)', async () => {
    const other = await createCaHierarchy(
      { rootName: 'CN=Other Root,O=U.S. Government,C=US', issuingName: 'CN=Other Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' },
      new ManualClock(new Date()),
    );
    const [root, issuing] = [other.root.certificate.toString('pem'), other.issuing.certificate.toString('pem')];
    writeFileSync(join(dir, 'bundle.pem'), `${issuing}\n${root}\n`);
    writeFileSync(join(dir, 'one.pem'), `subject=CN=Other Issuing\n${issuing}\n`);
    const pems = await foreignIntermediates(configWith([join(dir, 'bundle.pem'), join(dir, 'one.pem')]));
    assert.deepEqual(
      pems.map((pem) => new X509Certificate(pem).subject),
      ['C=US, O=U.S. Government, CN=Other Issuing', 'C=US, O=U.S. Government, CN=Other Root', 'C=US, O=U.S. Government, CN=Other Issuing'],
    );
  });

  test('refuses a file it cannot read, that holds no certificate or an unreadable one, naming the setting and the file', async () => {
    const [empty, broken, missing] = ['empty.pem', 'broken.pem', 'missing.pem'].map((name) => join(dir, name)) as [string, string, string];
    writeFileSync(empty, 'nothing here\n');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await assert.rejects(foreignIntermediates(configWith([empty])), refusedFor(empty, /no PEM certificate/));
    await assert.rejects(foreignIntermediates(configWith([broken])), refusedFor(broken, /cannot be read/));
    await assert.rejects(foreignIntermediates(configWith([missing])), refusedFor(missing, /cannot read the intermediate CA file/));
  });
});
