import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { useHarness } from '../../../../test/support/muster.ts';
import { describeEachStore } from '../../../../test/support/stores.ts';
import { ACR } from '../../../core/federation/profile.ts';
import { AgreementService } from '../../../federation/agreements.ts';
import { identityByKey } from '../../../lifecycle/test-fixtures.ts';
import { endLoginsOfIdentity, loginOfSession, saveLogin } from '../login-record.ts';
import { rememberConsent } from './consent-record.ts';
import { createPolicy, type InteractionPolicy } from './policy.ts';
import type { CheckContext } from './provider-shapes.ts';
import { agreementDocument, CLIENT_ID, importPeople } from './test-fixtures.ts';

const MIN = 60_000;
type Check = { reason: string; check(ctx: CheckContext): Promise<boolean> };

describeEachStore('the interaction policy on a store: session sign-ins, reauthentication and consent', (factory) => {
  const h = useHarness(factory);
  let policy: InteractionPolicy;
  let agreements: AgreementService;
  let person = '';

  const ctx = (over: Partial<CheckContext['oidc']> = {}): CheckContext => ({
    oidc: { session: { uid: 'session-1', accountId: person }, client: { clientId: CLIENT_ID }, params: {}, entities: {}, ...over },
  });

  /** The reasons of a prompt's checks that ask for interaction. */
  async function prompting(name: string, context: CheckContext): Promise<string[]> {
    const checks = (policy.find((p) => p.name === name) as unknown as { checks: Check[] }).checks.filter((c) => c.reason.startsWith('muster_'));
    const results = await Promise.all(checks.map(async (c) => ((await c.check(context)) ? c.reason : undefined)));
    return results.filter((r): r is string => r !== undefined);
  }

  before(async () => {
    await importPeople(h);
    person = (await identityByKey(h.store, 'employee_id', 'E1')).id;
    agreements = new AgreementService({ store: h.store, audit: h.audit, clock: h.clock });
    await agreements.save('benefits', agreementDocument(), 'alice', 'benefits portal onboarding');
    policy = createPolicy({ store: h.store, clock: h.clock });
  });

  test('without a sign-in record the session must sign in', async () => {
    assert.deepEqual(await prompting('login', ctx()), ['muster_no_login']);
  });

  test("the interaction's sign-in is recorded for the session that resumes it; the session is then good", async () => {
    const authTime = h.clock.now();
    const piv = { credentialId: 'card-1', credentialType: 'piv_card', aal: 'aal3', certThumbprint: 'thumb' };
    const login = { accountId: person, amr: ['hwk', 'sc', 'pin', 'mfa'], ts: Math.floor(authTime.getTime() / 1000), piv };
    const elsewhere = ctx({ session: { uid: 'session-1', accountId: 'someone-else' }, result: { login }, entities: { Interaction: { uid: 'interaction-1' } } });
    assert.deepEqual(await prompting('login', elsewhere), ['muster_no_login'], "a result for another account than the session's records nothing");
    assert.equal(await loginOfSession(h.store, 'session-1'), undefined);
    const resumed = ctx({ result: { login }, entities: { Interaction: { uid: 'interaction-1' } } });
    assert.deepEqual(await prompting('login', resumed), []);
    const record = await loginOfSession(h.store, 'session-1');
    assert.deepEqual([record?.identityId, record?.aal, record?.certThumbprint, record?.authTime.getTime()], [person, 'aal3', 'thumb', login.ts * 1000]);
  });

  test('reused within 15 minutes the AAL3 session is touched; idle for 16 it is not good any more', async () => {
    h.clock.advance(10 * MIN);
    assert.deepEqual(await prompting('login', ctx()), []);
    assert.equal((await loginOfSession(h.store, 'session-1'))?.lastActiveAt.toISOString(), h.clock.now().toISOString());
    h.clock.advance(16 * MIN);
    assert.deepEqual(await prompting('login', ctx()), ['muster_reauthentication']);
  });

  test('an AAL2 session idle for 50 minutes is reused; max_age and acr_values for AAL3 each force a sign-in', async () => {
    await saveLogin(h.store, {
      sessionUid: 'session-1',
      identityId: person,
      credentialId: 'key-1',
      credentialType: 'derived_non_pki',
      aal: 'aal2',
      amr: ['swk', 'user', 'mfa'],
      certThumbprint: null,
      authTime: h.clock.now(),
    });
    h.clock.advance(50 * MIN);
    assert.deepEqual(await prompting('login', ctx()), []);
    assert.deepEqual(await prompting('login', ctx({ params: { max_age: 600 } })), ['muster_max_age']);
    assert.deepEqual(await prompting('login', ctx({ params: { acr_values: ACR.aal3 } })), ['muster_aal']);
  });

  test('a sign-in ended by termination is no sign-in', async () => {
    await endLoginsOfIdentity(h.store, person, h.clock.now());
    assert.deepEqual(await prompting('login', ctx()), ['muster_no_login']);
  });

  test("consent: asked until given for the agreement's attributes; asked again when they change; never when allowlisted", async () => {
    assert.deepEqual(await prompting('consent', ctx()), ['muster_consent']);
    const saved = await agreements.get('benefits');
    await rememberConsent(h.store, person, CLIENT_ID, saved.document, h.clock.now());
    assert.deepEqual(await prompting('consent', ctx()), []);
    const more = agreementDocument({
      attributes: [
        { name: 'email', purpose: 'to send you notices about your benefits' },
        { name: 'name', purpose: 'to address you' },
      ],
    });
    await agreements.save('benefits', more, 'alice', 'the portal now greets people by name');
    assert.deepEqual(await prompting('consent', ctx()), ['muster_consent']);
    await agreements.save('benefits', { ...more, consent: 'allowlisted' }, 'alice', 'internal application, consent by policy');
    assert.deepEqual(await prompting('consent', ctx()), []);
  });

  test('a client without an active agreement is refused (access_denied to the RP)', async () => {
    await agreements.setStatus('benefits', 'suspended', 'alice', 'security review');
    await assert.rejects(prompting('login', ctx()), (e: any) => e.error === 'access_denied');
  });
});
