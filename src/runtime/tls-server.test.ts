import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { OID } from '../pki/oids.ts';
import { X509Certificate } from '../pki/x509.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { startMuster, type Muster } from './context.ts';
import { mtlsServerCredentials } from './tls-server.ts';

type Recorded = { serial: string; issuer: string; source: string; hostnames: string[] };

describeEachStore('the TLS server certificate of the mutual-TLS listener', (factory) => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let muster: Muster;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-tls-'));
    muster = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await factory.open(), clock });
  });
  after(async () => {
    await muster.close();
    await rm(dir, { recursive: true, force: true });
  });

  const recorded = () => muster.store.query<Recorded>('SELECT serial, issuer, source, hostnames FROM tls_certificates ORDER BY recorded_at, serial');
  const audited = () => muster.store.query<{ target: string; data: { source: string } }>("SELECT target, data FROM audit_log WHERE action = 'pki.tls_certificate.issued' ORDER BY seq");

  test('is issued by a TLS CA under the root, never by the PIV issuing CA', async () => {
    const ca = await muster.ca();
    const credentials = await mtlsServerCredentials(muster, ['localhost', '127.0.0.1']);
    const leaf = new X509Certificate(credentials.cert);
    const tlsCa = new X509Certificate(credentials.chain[0] as string);
    assert.notEqual(leaf.issuer, ca.issuing.certificate.subject);
    assert.equal(leaf.issuer, tlsCa.subject);
    assert.ok(await leaf.verify({ publicKey: tlsCa.publicKey, signatureOnly: true }));
    assert.equal(tlsCa.issuer, ca.root.certificate.subject);
    assert.ok(await tlsCa.verify({ publicKey: ca.root.certificate.publicKey, signatureOnly: true }));
    const policies = tlsCa.extensions.find((e) => e.type === OID.extCertificatePolicies);
    assert.equal(policies, undefined, 'the TLS CA asserts no PIV policy');
  });

  test('each one issued is recorded and audited; the TLS CA is made once', async () => {
    const first = (await recorded()).length;
    const a = await mtlsServerCredentials(muster, ['localhost']);
    const b = await mtlsServerCredentials(muster, ['localhost']);
    assert.equal(a.chain[0], b.chain[0], 'the same TLS CA');
    const rows = await recorded();
    assert.equal(rows.length, first + 2);
    const serial = new X509Certificate(b.cert).serialNumber.toLowerCase();
    assert.deepEqual(
      rows.find((r) => r.serial === serial),
      { serial, issuer: new X509Certificate(b.chain[0] as string).subject, source: 'issued', hostnames: ['localhost'] },
    );
    assert.ok((await audited()).some((e) => e.target === serial && e.data.source === 'issued'));
  });

  test('a configured certificate and key are used instead, and recorded', async () => {
    const issued = await mtlsServerCredentials(muster, ['tls.agency.example']);
    const certificateFile = join(dir, 'server.pem');
    const keyFile = join(dir, 'server.key');
    await writeFile(certificateFile, `${issued.cert}\n${issued.chain[0]}`);
    await writeFile(keyFile, issued.key);
    const configured = { ...muster, config: { ...muster.config, federation: { ...muster.config.federation, mtls: { ...muster.config.federation.mtls, certificateFile, keyFile } } } };
    const credentials = await mtlsServerCredentials(configured, ['ignored']);
    assert.equal(credentials.cert.trim(), issued.cert.trim());
    assert.equal(credentials.key, issued.key);
    const serial = new X509Certificate(issued.cert).serialNumber.toLowerCase();
    assert.ok((await recorded()).some((r) => r.serial === serial && r.source === 'configured'));
    const other = await mtlsServerCredentials(muster, ['other.agency.example']);
    await writeFile(keyFile, other.key);
    await assert.rejects(mtlsServerCredentials(configured, []), (e: any) => e.code === 'MUSTER_ERR_CONFIG' && e.details[0]?.key === 'federation.mtls.keyFile');
  });
});
