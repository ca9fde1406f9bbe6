// Provisioning to relying parties (SP 800-217 Appendix A.3) against a real SCIM 2.0 service (SCIMMY), on both stores:
// the population pushed under pairwise subject identifiers with only the agreed attributes, changes pushed as they
// happen, a leaver deactivated and deleted at once, refusals audited, and an RP that fails retried by the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isMusterError } from '../../src/core/errors.ts';
import { AgreementService } from '../../src/federation/agreements.ts';
import { FEDERATION_PROVISION_JOB, agreementProvisioning, federationProvisionHandler, provisionAgreement } from '../../src/federation/provisioning/index.ts';
import { PIV_EXTENSION } from '../../src/federation/provisioning/scim-user.ts';
import { provisioningAgreement, queueProvisionJobs, startRecorder, type Recorder } from '../../src/federation/provisioning/test-fixtures.ts';
import { pairwiseSubject, sectorOf } from '../../src/federation/subjects.ts';
import { count, identityByKey, jobRow, testWorker } from '../../src/lifecycle/test-fixtures.ts';
import type { JobWorker } from '../../src/lifecycle/worker.ts';
import { hrCsv, hrLine, useHarness } from '../support/muster.ts';
import { startScimService, type ScimService } from '../support/scim-service.ts';
import { describeEachStore } from '../support/stores.ts';

const SECTOR = sectorOf('travel-app');
const STAFF = ['E1', 'E2', 'E3', 'E4'];

describeEachStore('provisioning to relying parties', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let scim: ScimService;
  let recorder: Recorder;
  let worker: JobWorker;
  let snapshot = 0;
  const deps = () => ({ store: h.store, audit: h.audit, clock: h.clock });
  const people = (over: Record<string, Record<string, string>> = {}) => hrCsv([...STAFF, 'E5'].map((id) => hrLine(id, { home_agency: id === 'E5' ? '4700' : '9700', ...over[id] })));
  const importHr = async (over: Record<string, Record<string, string>> = {}) => {
    h.clock.advance(60_000);
    const run = await h.imports.run({ source: 'hr', file: await h.file(`hr${snapshot++}.csv`, people(over)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
    // the other parts' jobs (access, credentials) are not what is under test here
    await h.store.query(`UPDATE jobs SET status = 'done' WHERE kind <> $1`, [FEDERATION_PROVISION_JOB]);
  };
  const subOf = async (key: string) => pairwiseSubject(h.store, (await identityByKey(h.store, 'employee_id', key)).id, SECTOR, h.clock.now());
  const byExternalId = (sub: string) => scim.users().find((u) => u.externalId === sub);
  const nameAt = async (key: string) => byExternalId(await subOf(key))?.name as { givenName?: string; familyName?: string } | undefined;
  const sent = (from: number) => recorder.requests.slice(from).map((r) => `${r.method} ${r.path.replace(/\/Users\/.+/, '/Users/{id}')}`);

  before(async () => {
    scim = await startScimService();
    recorder = await startRecorder(scim.baseUrl);
    const tokenFile = await h.file('travel-token', `${scim.token}\n`);
    await importHr();
    // the joiners' own provisioning jobs ran before any agreement existed: nothing to push
    await h.store.query(`UPDATE jobs SET status = 'done'`);
    await new AgreementService(deps()).save('travel', provisioningAgreement(recorder.baseUrl, tokenFile), 'alice', 'travel booking for staff');
    await new AgreementService(deps()).save(
      'library',
      provisioningAgreement(recorder.baseUrl, tokenFile, {
        name: 'Library',
        relyingParties: [
          {
            clientId: 'library-app',
            name: 'Library',
            redirectUris: ['https://library.agency.example/cb'],
            jwks: { keys: [{ kty: 'EC' }] },
            scim: { baseUrl: recorder.baseUrl, bearerTokenFile: tokenFile },
          },
        ],
        provisioning: { allowed: false },
      }),
      'alice',
      'library sign-in only',
    );
    worker = testWorker(h, { [FEDERATION_PROVISION_JOB]: federationProvisionHandler({ termination: 'delete', timeoutMs: 5000 }) });
  });
  after(async () => {
    await recorder.stop();
    await scim.stop();
  });

  test('a full push sends the population under pairwise subjects with only the agreed attributes', async () => {
    const push = await provisionAgreement(deps(), 'travel', { actor: 'token:1' });
    assert.deepEqual({ queued: push.queued, clientIds: push.clientIds }, { queued: 4, clientIds: ['travel-app'] }, 'E1–E4 of agency 9700; E5 (4700) is outside the population');
    assert.deepEqual(await worker.runOnce(), { claimed: 4, done: 4, retried: 0, dead: 0 });

    assert.equal(scim.users().length, 4);
    for (const key of STAFF) {
      const sub = await subOf(key);
      const user = byExternalId(sub);
      assert.ok(user, `${key} is at the RP under its pairwise subject`);
      assert.equal(user.userName, sub);
      assert.equal(user.active, true);
      assert.equal(user.emails, undefined, 'email is not in the agreement');
      const n = key.slice(1);
      assert.deepEqual(user.name, { givenName: `Given${n}`, familyName: `Family${n}`, formatted: `Given${n} Family${n}` });
    }
    // the pairwise subjects are random base64url: taken out first, so that one holding "E1" by chance proves nothing
    const subs = await Promise.all(STAFF.map((key) => subOf(key)));
    const bodies = subs.reduce((text, sub) => text.replaceAll(sub, '<sub>'), recorder.requests.map((r) => r.body).join('\n'));
    const ids = (await h.store.query<{ id: string }>('SELECT id FROM identities')).map((r) => r.id);
    for (const secret of ['E1', 'E2', 'employee_id', 'emails', '@demo.gov', ...ids]) assert.ok(!bodies.includes(secret), `no ${secret} in what the RP was sent`);
    const created = JSON.parse(recorder.requests.find((r) => r.method === 'POST')?.body ?? '{}');
    assert.deepEqual(created.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User', PIV_EXTENSION]);
    assert.deepEqual(created[PIV_EXTENSION], { homeAgency: 'agency_code:9700', orgAffiliations: ['Demo Agency'], ial: 'ial3', lastUpdated: created[PIV_EXTENSION].lastUpdated });

    const listed = await agreementProvisioning(h.store, 'travel', { limit: 3 });
    assert.equal(listed.items.length, 3);
    const rest = await agreementProvisioning(h.store, 'travel', { limit: 3, cursor: listed.nextCursor });
    assert.equal(rest.items.length, 1);
    assert.equal(rest.nextCursor, undefined);
    assert.ok([...listed.items, ...rest.items].every((i) => i.state === 'active' && i.remoteId !== null && i.extension === 'sent' && i.clientId === 'travel-app'));
    assert.equal(await count(h.store, `federation_rp_subjects WHERE client_id = 'travel-app' AND provisioned_at IS NOT NULL`), 4, 'shared signals will reach the RP');
    assert.equal(await count(h.store, `audit_log WHERE action = 'federation.provisioning.created'`), 4);
    assert.equal(await count(h.store, `audit_log WHERE action = 'federation.provisioning.requested' AND actor = 'token:1'`), 1);
  });

  test('a second push, and events that change nothing agreed, send nothing', async () => {
    const from = recorder.requests.length;
    const again = await provisionAgreement(deps(), 'travel');
    assert.equal(again.queued, 4);
    assert.equal(await provisionAgreement(deps(), 'travel').then((p) => p.queued), 0, 'pushes already waiting are not queued twice');
    assert.deepEqual(await worker.runOnce(), { claimed: 4, done: 4, retried: 0, dead: 0 });
    assert.deepEqual(sent(from), [], 'nothing differed');
  });

  test('an agreed attribute change is pushed as a replacement of that account only', async () => {
    await importHr({ E1: { family_name: 'Newname' }, E2: { email: 'other@demo.gov' } });
    await queueProvisionJobs(h.store);
    const from = recorder.requests.length;
    await worker.runOnce();
    assert.deepEqual(sent(from), ['PUT /Users/{id}'], 'E2’s email is not agreed: nothing pushed for it');
    assert.equal((await nameAt('E1'))?.familyName, 'Newname');
  });

  test('leave deactivates and return reactivates, each with one PATCH', async () => {
    await importHr({ E1: { family_name: 'Newname' }, E3: { status: 'leave', leave_type: 'medical' } });
    await queueProvisionJobs(h.store);
    let from = recorder.requests.length;
    await worker.runOnce();
    assert.deepEqual(sent(from), ['PATCH /Users/{id}']);
    assert.equal(byExternalId(await subOf('E3'))?.active, false);
    await importHr({ E1: { family_name: 'Newname' } });
    await queueProvisionJobs(h.store);
    from = recorder.requests.length;
    await worker.runOnce();
    assert.deepEqual(sent(from), ['PATCH /Users/{id}']);
    assert.equal(byExternalId(await subOf('E3'))?.active, true);
  });

  test('a leaver is deactivated and deleted at once', async () => {
    const sub = await subOf('E2');
    await importHr({ E1: { family_name: 'Newname' }, E2: { status: 'terminated' } });
    await queueProvisionJobs(h.store);
    const from = recorder.requests.length;
    await worker.runOnce();
    assert.deepEqual(sent(from), ['PATCH /Users/{id}', 'DELETE /Users/{id}']);
    assert.equal(JSON.parse(recorder.requests[from]?.body ?? '{}').Operations[0].value, false);
    assert.equal(byExternalId(sub), undefined, 'the RP keeps nothing of the leaver');
    const [row] = await h.store.query<{ state: string; remote_id: string | null; pushed: unknown }>(`SELECT r.state, r.remote_id, r.pushed FROM rp_provisioning r WHERE r.sub = $1`, [sub]);
    assert.deepEqual(row, { state: 'terminated', remote_id: null, pushed: null });
    const [entry] = await h.store.query<{ data: { requests: string[]; sub: string } }>(`SELECT data FROM audit_log WHERE action = 'federation.provisioning.terminated'`);
    assert.deepEqual(entry?.data.requests, ['PATCH active=false', 'DELETE']);
    assert.equal(entry?.data.sub, sub, 'the identifier stays in the audit log');
  });

  test('an agreement that does not allow provisioning is refused, and the refusal audited', async () => {
    await assert.rejects(provisionAgreement(deps(), 'library', { actor: 'token:2' }), (e: unknown) => {
      assert.ok(isMusterError(e, 'MUSTER_ERR_FORBIDDEN'));
      assert.match(e.message, /'library'.*provisioning\.allowed/);
      assert.equal(e.details[0]?.field, 'provisioning.allowed');
      return true;
    });
    assert.equal(await count(h.store, `audit_log WHERE action = 'federation.provisioning.refused' AND actor = 'token:2' AND target = 'agreement:library'`), 1);
    await assert.rejects(provisionAgreement(deps(), 'nothing-here'), (e: unknown) => isMusterError(e, 'MUSTER_ERR_NOT_FOUND'));
  });

  test('an RP that fails fails the job, which the worker retries until the push goes through', async () => {
    await importHr({ E1: { family_name: 'Newname' }, E2: { status: 'terminated' }, E4: { given_name: 'Renamed' } });
    const queued = await queueProvisionJobs(h.store);
    assert.equal(queued, 1);
    const [job] = await h.store.query<{ id: number }>(`SELECT id FROM jobs WHERE kind = $1 AND status = 'pending'`, [FEDERATION_PROVISION_JOB]);
    scim.setDown(true);
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 0, retried: 1, dead: 0 });
    const failed = await jobRow(h.store, job!.id);
    assert.equal(failed.status, 'pending');
    assert.match(failed.last_error ?? '', /MUSTER_ERR_TARGET_UNAVAILABLE: target 'rp:travel-app'.*503/);
    assert.equal((await nameAt('E4'))?.givenName, 'Given4', 'nothing half-applied');
    scim.setDown(false);
    h.clock.advance(120_000);
    assert.deepEqual(await worker.runOnce(), { claimed: 1, done: 1, retried: 0, dead: 0 });
    assert.equal((await nameAt('E4'))?.givenName, 'Renamed');
  });
});
