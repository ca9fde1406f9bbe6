import assert from 'node:assert/strict';
import { it } from 'node:test';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { type MusterError, isMusterError } from '../core/errors.ts';
import { AgreementService } from './agreements.ts';
import { CONSOLE_AGREEMENT_ID, CONSOLE_CLIENT_ID, consoleAgreementDocument, consoleClientKey } from './console-client.ts';
import { exampleAgreement, exampleRp } from './agreements-fixture.ts';

/** Runs `fn`, which must throw a MusterError; returns it. */
async function refusal(fn: () => Promise<unknown>): Promise<MusterError> {
  try {
    await fn();
  } catch (error) {
    if (isMusterError(error)) return error;
    throw error;
  }
  assert.fail('expected a MusterError');
}

const fieldsOf = (error: MusterError) => error.details.map((d) => d.field);

describeEachStore('trust agreement service', (factory) => {
  const h = useHarness(factory);
  const service = () => new AgreementService(h);

  it('saves a document as version 1, active, registers its client, and audits it', async () => {
    const saved = await service().save('benefits', exampleAgreement(), 'cli:alice', 'signed by both CIOs');
    assert.deepEqual([saved.id, saved.version, saved.status, saved.author, saved.reason], ['benefits', 1, 'active', 'cli:alice', 'signed by both CIOs']);
    assert.equal(saved.document.relyingParties[0]?.fal, 'fal2', 'defaults are filled in');
    const client = await service().forClient('benefits-portal');
    assert.equal(client?.agreement.id, 'benefits');
    assert.equal(client?.registration, 'agreement');
    const audit = await listAuditEntries(h.store, { action: 'agreement.saved' });
    assert.deepEqual(
      audit.map((e) => [e.actor, e.target, e.reason]),
      [['cli:alice', 'agreement:benefits', 'signed by both CIOs']],
    );
  });

  it('keeps every version, newest first, and lists only the newest of each agreement', async () => {
    await service().save(
      'benefits',
      exampleAgreement({ description: 'adds a second RP', relyingParties: [exampleRp(), exampleRp({ clientId: 'benefits-admin', name: 'Benefits admin' })] }),
      'cli:alice',
      'admin console',
    );
    const history = await service().history('benefits');
    assert.deepEqual(
      history.map((v) => [v.version, v.reason]),
      [
        [2, 'admin console'],
        [1, 'signed by both CIOs'],
      ],
    );
    assert.deepEqual(
      (await service().list()).map((v) => [v.id, v.version]),
      [['benefits', 2]],
    );
    assert.equal((await service().forClient('benefits-admin'))?.agreement.version, 2);
  });

  it('unregisters a client the new version no longer lists', async () => {
    await service().save('benefits', exampleAgreement(), 'cli:alice', 'admin console retired');
    assert.equal(await service().forClient('benefits-admin'), undefined);
    assert.equal((await service().forClient('benefits-portal'))?.agreement.version, 3);
  });

  it('refuses a client id that another agreement holds, naming the field, and saves nothing', async () => {
    const error = await refusal(() => service().save('travel', exampleAgreement({ name: 'Travel' }), 'cli:alice', 'travel'));
    assert.equal(error.code, 'MUSTER_ERR_AGREEMENT');
    assert.deepEqual(fieldsOf(error), ['relyingParties.clientId']);
    assert.match(error.details[0]?.message ?? '', /registered under 'benefits'/);
    assert.equal((await refusal(() => service().get('travel'))).code, 'MUSTER_ERR_NOT_FOUND');
  });

  it('refuses bad documents with every problem named by its field', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['FAL3 without boundAuthenticator', exampleAgreement({ relyingParties: [exampleRp({ fal: 'fal3' })] }), 'relyingParties.0.boundAuthenticator'],
      ['private_key_jwt without keys', exampleAgreement({ relyingParties: [exampleRp({ jwks: undefined })] }), 'relyingParties.0.jwks'],
      ['http redirect URI off loopback', exampleAgreement({ relyingParties: [exampleRp({ redirectUris: ['http://benefits.agency.example/callback'] })] }), 'relyingParties.0.redirectUris.0'],
      ['private network allowed without a reason', exampleAgreement({ relyingParties: [exampleRp({ allowPrivateNetwork: true })] }), 'relyingParties.0.privateNetworkReason'],
      ['bad agency code', exampleAgreement({ population: { agencyCodes: ['97'] } }), 'population.agencyCodes.0'],
      ['unknown field', exampleAgreement({ color: 'blue' }), 'document'],
    ];
    for (const [label, document, field] of cases) {
      const error = await refusal(() => service().save('travel', document, 'cli:alice', 'try'));
      assert.equal(error.code, 'MUSTER_ERR_AGREEMENT', label);
      assert.deepEqual(fieldsOf(error), [field], label);
    }
    const badId = await refusal(() => service().save('Travel Desk', exampleAgreement(), 'cli:alice', 'try'));
    assert.deepEqual(fieldsOf(badId), ['id']);
    const noReason = await refusal(() => service().save('travel', exampleAgreement({ relyingParties: [] }), 'cli:alice', ' '));
    assert.deepEqual([noReason.code, ...fieldsOf(noReason)], ['MUSTER_ERR_VALIDATION', 'reason']);
    assert.equal((await refusal(() => service().get('travel'))).code, 'MUSTER_ERR_NOT_FOUND');
  });

  it('allows http redirect URIs on loopback only', async () => {
    const saved = await service().save(
      'local',
      exampleAgreement({ relyingParties: [exampleRp({ clientId: 'local-dev', redirectUris: ['http://127.0.0.1:8080/cb', 'http://localhost/cb'] })] }),
      'cli:alice',
      'developer RP',
    );
    assert.equal(saved.version, 1);
  });

  it('suspends: its clients have no agreement until it is activated again', async () => {
    const suspended = await service().setStatus('benefits', 'suspended', 'cli:bob', 'security review');
    assert.deepEqual([suspended.version, suspended.status], [4, 'suspended']);
    assert.equal(await service().forClient('benefits-portal'), undefined);
    const edited = await service().save('benefits', exampleAgreement({ description: 'edited while suspended' }), 'cli:bob', 'clarify');
    assert.equal(edited.status, 'suspended', 'saving does not lift a suspension');
    assert.equal(await service().forClient('benefits-portal'), undefined);
    await service().setStatus('benefits', 'active', 'cli:bob', 'review passed');
    assert.equal((await service().forClient('benefits-portal'))?.agreement.document.description, 'edited while suspended');
    const audit = await listAuditEntries(h.store, { target: 'agreement:benefits' });
    assert.ok(audit.some((e) => e.action === 'agreement.suspended' && e.actor === 'cli:bob' && e.reason === 'security review'));
    assert.ok(audit.some((e) => e.action === 'agreement.active'));
  });

  it('refuses and audits a status change the agreement does not allow; ending is final', async () => {
    const same = await refusal(() => service().setStatus('benefits', 'active', 'cli:bob', 'again'));
    assert.deepEqual([same.code, ...fieldsOf(same)], ['MUSTER_ERR_CONFLICT', 'status']);
    await service().setStatus('benefits', 'ended', 'cli:bob', 'contract over');
    for (const status of ['active', 'suspended'] as const) {
      const error = await refusal(() => service().setStatus('benefits', status, 'cli:mallory', 'bring it back'));
      assert.equal(error.code, 'MUSTER_ERR_CONFLICT');
      assert.match(error.message, /is ended: it cannot become/);
    }
    const save = await refusal(() => service().save('benefits', exampleAgreement(), 'cli:mallory', 'bring it back'));
    assert.match(save.message, /has ended/);
    const refused = await listAuditEntries(h.store, { action: 'agreement.refused' });
    assert.deepEqual(refused.map((e) => e.actor).reverse(), ['cli:bob', 'cli:mallory', 'cli:mallory', 'cli:mallory']);
    assert.equal((await service().get('benefits')).status, 'ended');
    assert.equal(await service().forClient('benefits-portal'), undefined);
  });

  it('answers 404 for a status change of an unknown agreement', async () => {
    assert.equal((await refusal(() => service().setStatus('nowhere', 'ended', 'cli:bob', 'x'))).code, 'MUSTER_ERR_NOT_FOUND');
  });

  it("keeps the console's built-in agreement: saved by muster only when it changed, and refused to every operator", async () => {
    const document = consoleAgreementDocument({ agencyCode: '9700', issuer: 'http://localhost:8080/oidc', origin: 'http://localhost:8080', key: await consoleClientKey(h.store, h.keyVault) });
    const first = await service().saveBuiltIn(CONSOLE_AGREEMENT_ID, document, 'the console');
    assert.deepEqual([first.version, first.status, first.author], [1, 'active', 'muster']);
    assert.equal((await service().saveBuiltIn(CONSOLE_AGREEMENT_ID, document, 'the console')).version, 1, 'unchanged: no new version');
    assert.equal((await service().forClient(CONSOLE_CLIENT_ID))?.agreement.id, CONSOLE_AGREEMENT_ID);
    const edit = await refusal(() => service().save(CONSOLE_AGREEMENT_ID, document, 'operator:x', 'take it over'));
    assert.match(edit.message, /is built in/);
    for (const status of ['suspended', 'ended'] as const) {
      const error = await refusal(() => service().setStatus(CONSOLE_AGREEMENT_ID, status, 'operator:x', 'switch the console off'));
      assert.equal(error.code, 'MUSTER_ERR_CONFLICT');
    }
    const refused = (await listAuditEntries(h.store, { action: 'agreement.refused' })).filter((e) => e.target === `agreement:${CONSOLE_AGREEMENT_ID}`);
    assert.equal(refused.length, 3);
    assert.equal((await service().get(CONSOLE_AGREEMENT_ID)).status, 'active');
    await assert.rejects(service().saveBuiltIn('benefits', exampleAgreement(), 'x'), /not a built-in agreement/);
  });
});
