import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import type { MusterError } from '../core/errors.ts';
import { createCaHierarchy } from '../pki/ca.ts';
import { X509Certificate } from '../pki/x509.ts';
import { foreignAnchors, foreignIntermediates } from './foreign-certificates.ts';

describe("other agencies' anchors and intermediate CAs", () => {
  const dir = mkdtempSync(join(tmpdir(), 'muster-foreign-certificates-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pem: { root?: string; issuing?: string } = {};
  before(async () => {
    const other = await createCaHierarchy(
      { rootName: 'CN=Other Root,O=U.S. Government,C=US', issuingName: 'CN=Other Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' },
      new ManualClock(new Date()),
    );
    pem.root = other.root.certificate.toString('pem');
    pem.issuing = other.issuing.certificate.toString('pem');
  });
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const configWith = (mtls: { foreignAnchorFiles?: string[]; foreignIntermediateFiles?: string[] }) => loadConfig({ env: {}, overrides: { dataDir: dir, federation: { mtls } } });
  const refusedFor = (key: string, path: string, message: RegExp) => (error: MusterError) => {
    assert.equal(error.code, 'MUSTER_ERR_CONFIG');
    assert.match(error.message, message);
    assert.deepEqual(
      error.details.map((d) => [d.key, d.value]),
      [[key, path]],
    );
    return true;
  };
  const subjects = (pems: string[]) => pems.map((p) => new X509Certificate(p).subject);

  test('intermediates: each certificate of every file apart (a file may hold a bundle)', async () => {
    const bundle = file('bundle.pem', `${pem.issuing}\n${pem.root}\n`);
    const one = file('one.pem', `subject=CN=Other Issuing\n${pem.issuing}\n`);
    assert.deepEqual(subjects(await foreignIntermediates(configWith({ foreignIntermediateFiles: [bundle, one] }))), [
      'C=US, O=U.S. Government, CN=Other Issuing',
      'C=US, O=U.S. Government, CN=Other Root',
      'C=US, O=U.S. Government, CN=Other Issuing',
    ]);
  });

  test('anchors: one certificate per file; a bundle is refused, pointing to the intermediates setting', async () => {
    const root = file('root.pem', `${pem.root}\n`);
    assert.deepEqual(subjects(await foreignAnchors(configWith({ foreignAnchorFiles: [root] }))), ['C=US, O=U.S. Government, CN=Other Root']);
    const bundle = file('anchor-bundle.pem', `${pem.root}\n${pem.issuing}\n`);
    await assert.rejects(foreignAnchors(configWith({ foreignAnchorFiles: [bundle] })), refusedFor('federation.mtls.foreignAnchorFiles', bundle, /holds 2 certificates; a trust anchor file holds one/));
  });

  test('refuses a file it cannot read, that holds no certificate or an unreadable one, naming the setting and the file', async () => {
    const empty = file('empty.pem', 'nothing here\n');
    const broken = file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const missing = join(dir, 'missing.pem');
    const key = 'federation.mtls.foreignIntermediateFiles';
    await assert.rejects(foreignIntermediates(configWith({ foreignIntermediateFiles: [empty] })), refusedFor(key, empty, /no PEM certificate/));
    await assert.rejects(foreignIntermediates(configWith({ foreignIntermediateFiles: [broken] })), refusedFor(key, broken, /cannot be read/));
    await assert.rejects(foreignIntermediates(configWith({ foreignIntermediateFiles: [missing] })), refusedFor(key, missing, /cannot read the intermediate CA file/));
    await assert.rejects(foreignAnchors(configWith({ foreignAnchorFiles: [broken] })), refusedFor('federation.mtls.foreignAnchorFiles', broken, /cannot be read/));
  });
});
