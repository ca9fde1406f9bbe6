// Pushes to a real SCIM service (SCIMMY) through a recorder: a service that refuses muster's extension, the
// deactivate-only termination mode, an identity that leaves the population, and a replaced subject identifier.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../../test/support/muster.ts';
import { startScimService, type ScimService } from '../../../test/support/scim-service.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { identityByKey, testWorker } from '../../lifecycle/test-fixtures.ts';
import { AgreementService } from '../agreements.ts';
import { pairwiseSubject, replaceSubjectSecret, sectorOf } from '../subjects.ts';
import { provisionAgreement } from './agreement-push.ts';
import { FEDERATION_PROVISION_JOB, federationProvisionHandler } from './job.ts';
import { PIV_EXTENSION } from './scim-user.ts';
import { provisioningAgreement, queueProvisionJobs, startRecorder, type Recorder } from './test-fixtures.ts';

const SECTOR = sectorOf('travel-app');

describeEachStore('pushes to a relying party', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let scim: ScimService;
  let recorder: Recorder;
  let snapshot = 0;
  const worker = () => testWorker(h, { [FEDERATION_PROVISION_JOB]: federationProvisionHandler({ termination: 'deactivate', timeoutMs: 5000 }) });
  const importHr = async (over: Record<string, Record<string, string>> = {}) => {
    h.clock.advance(60_000);
    const run = await h.imports.run({ source: 'hr', file: await h.file(`hr${snapshot++}.csv`, hrCsv(['E1', 'E2', 'E3'].map((id) => hrLine(id, over[id])))), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    await h.store.query(`UPDATE jobs SET status = 'done' WHERE kind <> $1`, [FEDERATION_PROVISION_JOB]);
    await queueProvisionJobs(h.store);
  };
  const idOf = async (key: string) => (await identityByKey(h.store, 'employee_id', key)).id;
  const byExternalId = (sub: string) => scim.users().find((u) => u.externalId === sub);

  before(async () => {
    scim = await startScimService();
    recorder = await startRecorder(scim.baseUrl);
    recorder.refuseWhen((body) => body.includes(PIV_EXTENSION));
    await importHr();
    await h.store.query(`UPDATE jobs SET status = 'done' WHERE kind = $1`, [FEDERATION_PROVISION_JOB]);
    await new AgreementService(h).save(
      'travel',
      provisioningAgreement(recorder.baseUrl, await h.file('token', scim.token), { attributes: [{ name: 'email', purpose: 'booking confirmations' }] }),
      'alice',
      'travel',
    );
    await provisionAgreement(h, 'travel');
    assert.deepEqual(await worker().runOnce(), { claimed: 3, done: 3, retried: 0, dead: 0 });
  });
  after(async () => {
    await recorder.stop();
    await scim.stop();
  });

  test('a service that refuses the PIV extension gets the User without it, and that is recorded', async () => {
    assert.equal(scim.users().length, 3);
    const rows = await h.store.query<{ extension: string; pushed: { schemas: string[]; emails: unknown[] } }>(`SELECT extension, pushed FROM rp_provisioning`);
    assert.ok(rows.every((r) => r.extension === 'refused' && r.pushed.schemas.length === 1 && r.pushed.emails.length === 1));
    const posts = recorder.requests.filter((r) => r.method === 'POST');
    assert.equal(posts.filter((r) => r.body.includes(PIV_EXTENSION)).length, 3, 'each first try carried the extension');
    assert.equal(posts.filter((r) => !r.body.includes(PIV_EXTENSION)).length, 3);
    const [entry] = await h.store.query<{ data: { extension: string; attributes: string[] } }>(`SELECT data FROM audit_log WHERE action = 'federation.provisioning.created' LIMIT 1`);
    assert.equal(entry?.data.extension, 'refused');
    assert.deepEqual(entry?.data.attributes, ['active', 'emails']);
  });

  test('in deactivate mode a leaver is only deactivated; a rehire is reactivated', async () => {
    const sub = await pairwiseSubject(h.store, await idOf('E1'), SECTOR, h.clock.now());
    const from = recorder.requests.length;
    await importHr({ E1: { status: 'terminated' } });
    await worker().runOnce();
    assert.deepEqual(
      recorder.requests.slice(from).map((r) => r.method),
      ['PATCH'],
    );
    assert.equal(byExternalId(sub)?.active, false);
    const [row] = await h.store.query<{ state: string; remote_id: string | null }>(`SELECT state, remote_id FROM rp_provisioning WHERE sub = $1`, [sub]);
    assert.equal(row?.state, 'terminated');
    assert.ok(row?.remote_id);
    await importHr({ E1: { status: 'active' } });
    await worker().runOnce();
    assert.equal(byExternalId(sub)?.active, true, 'the rehired person has the same subject and account');
  });

  test('an identity that leaves the population is terminated at the RP', async () => {
    const sub = await pairwiseSubject(h.store, await idOf('E2'), SECTOR, h.clock.now());
    await importHr({ E2: { home_agency: '4700' } });
    await worker().runOnce();
    assert.equal(byExternalId(sub)?.active, false);
    const [row] = await h.store.query<{ state: string }>(`SELECT state FROM rp_provisioning WHERE sub = $1`, [sub]);
    assert.equal(row?.state, 'terminated');
  });

  test('a replaced subject secret moves the account to the new federated identifier', async () => {
    const id = await idOf('E3');
    const old = await pairwiseSubject(h.store, id, SECTOR, h.clock.now());
    await h.store.transaction((tx) => replaceSubjectSecret(tx, id, h.clock.now()));
    const now = await pairwiseSubject(h.store, id, SECTOR, h.clock.now());
    await importHr({ E3: { email: 'e3.new@demo.gov' } });
    await worker().runOnce();
    assert.equal(byExternalId(old), undefined);
    assert.equal(byExternalId(now)?.userName, now);
    const [subject] = await h.store.query<{ sub: string }>(`SELECT sub FROM federation_rp_subjects WHERE identity_id = $1 AND client_id = 'travel-app'`, [id]);
    assert.equal(subject?.sub, now, 'signals go to the RP under the new identifier');
  });
});
