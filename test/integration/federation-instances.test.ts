// Two muster instances on one PostgreSQL schema, each with its own store (its own pool and its own caches), as two
// `muster serve` processes have: what one records, the other's sign-in decides on at once. A terminated identity and a
// revoked certificate are read live by every sign-in; a suspended agreement reaches the other instance's client cache
// through PostgreSQL's NOTIFY, as the suspension commits, where it used to wait for a one-second timer.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { agreementOfClient, watchAgreements } from '../../src/federation/agreements.ts';
import { matchCertificate } from '../../src/protocols/oidc/interactions/certificate-sign-in.ts';
import { CrlCache } from '../../src/protocols/oidc/interactions/crl-cache.ts';
import { createPolicy } from '../../src/protocols/oidc/interactions/policy.ts';
import type { CheckContext } from '../../src/protocols/oidc/interactions/provider-shapes.ts';
import { SignInRefused, type RefusalReason } from '../../src/protocols/oidc/interactions/refusal.ts';
import { agreementDocument, BY, CLIENT_ID, importPeople, type SignInWorld, signInWorld } from '../../src/protocols/oidc/interactions/test-fixtures.ts';
import { checkAgreement } from '../../src/core/federation/agreement.ts';
import { X509Certificate } from '../../src/pki/x509.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store, Unlisten } from '../../src/store/store.ts';
import { type Harness, harness } from '../support/muster.ts';
import { freshSchemaUrl, postgresRequired, reachable } from '../support/stores.ts';

const refusedFor = (reason: RefusalReason) => (error: unknown) => error instanceof SignInRefused && error.reason === reason;
const available = await reachable();
if (!available && postgresRequired()) throw new Error('PostgreSQL is required here but not reachable');

describe('two muster instances on one PostgreSQL schema agree at once on a terminated identity, a suspended agreement and a revoked certificate', {
  skip: !available && 'PostgreSQL is not reachable',
}, () => {
  const stores: Store[] = [];
  const unwatch: Unlisten[] = [];
  const heardByB = new EventEmitter();
  let a: Harness;
  let b: Harness;
  let world: SignInWorld;
  const ours = checkAgreement('benefits', agreementDocument());

  /** A sign-in on instance B with a certificate: its own store, its own clock, the CA material both instances share. */
  const matchOnB = (pem: string) =>
    matchCertificate(
      b.store,
      world.ca.issuing,
      b.clock,
      { anchors: [], clock: b.clock, crls: new CrlCache(b.clock, async () => new Uint8Array()) },
      { leaf: new X509Certificate(pem), offered: () => [] },
      ours,
    );
  /** Instance B's login prompt for its session of E1. */
  const policyOfB = () => createPolicy({ store: b.store, clock: b.clock });
  const ctxOnB = (over: Partial<CheckContext['oidc']> = {}): CheckContext => ({
    oidc: { session: { uid: 'session-on-b', accountId: world.ids.E1 }, client: { clientId: CLIENT_ID }, params: {}, entities: {}, ...over },
  });
  async function loginPromptOnB(ctx: CheckContext): Promise<string[]> {
    const checks = (policyOfB().find((p) => p.name === 'login') as unknown as { checks: { reason: string; check(c: CheckContext): Promise<boolean> }[] }).checks;
    const asked = await Promise.all(checks.filter((c) => c.reason.startsWith('muster_')).map(async (c) => ((await c.check(ctx)) ? c.reason : undefined)));
    return asked.filter((r): r is string => r !== undefined);
  }

  before(async () => {
    const url = await freshSchemaUrl();
    for (let i = 0; i < 2; i++) stores.push(await openStore({ dataDir: ':memory:', databaseUrl: url, poolSize: 4 }));
    a = await harness(stores[0]!, { import: { massChangeShare: 1 } });
    b = await harness(stores[1]!, { import: { massChangeShare: 1 } });
    unwatch.push(await watchAgreements(a.store), await watchAgreements(b.store, { onChange: () => heardByB.emit('change') }));
    world = await signInWorld(a);
    const piv = { credentialId: world.card.E1.card.credentialId, credentialType: 'piv_card', aal: 'aal3', certThumbprint: null };
    const login = { accountId: world.ids.E1, amr: ['hwk', 'sc', 'pin', 'mfa'], ts: Math.floor(b.clock.now().getTime() / 1000), piv };
    assert.deepEqual(await loginPromptOnB(ctxOnB({ result: { login } })), [], 'E1 signs in on B');
  });

  after(async () => {
    for (const stop of unwatch) await stop();
    for (const h of [a, b]) await h?.close();
    for (const store of stores) await store.close();
  });

  test('a certificate revoked on A is refused by B at its next sign-in', async () => {
    await matchOnB(world.card.E2.card.certificates[0]!.pem);
    await world.cards.terminate(world.card.E2.card.credentialId, 'lost', BY);
    await assert.rejects(matchOnB(world.card.E2.card.certificates[0]!.pem), refusedFor('certificate-revoked'));
  });

  test('an identity terminated on A: B refuses its card and its session at once, while the certificate is still good', async () => {
    assert.deepEqual(await loginPromptOnB(ctxOnB()), [], "B's session of E1 is good");
    await importPeople(a, { E1: 'terminated' }, 'hr-leaver.csv');
    await assert.rejects(matchOnB(world.card.E1.card.certificates[0]!.pem), refusedFor('identity-inactive'));
    assert.deepEqual(await loginPromptOnB(ctxOnB()), ['muster_identity_inactive']);
  });

  test("an agreement suspended on A: B's cached client agreement is forgotten as the suspension's notification arrives", async () => {
    assert.equal((await agreementOfClient(b.store, CLIENT_ID))?.agreement.status, 'active', 'B has the agreement (and caches it)');
    const heard = once(heardByB, 'change');
    await world.agreements.setStatus('benefits', 'suspended', 'alice', 'security review');
    await heard;
    // a notification of an earlier change may come first: B decides on each one it hears, until the suspension's
    while ((await agreementOfClient(b.store, CLIENT_ID)) !== undefined) await once(heardByB, 'change');
    await assert.rejects(loginPromptOnB(ctxOnB()), (e: { error?: string }) => e.error === 'access_denied');
  });
});
