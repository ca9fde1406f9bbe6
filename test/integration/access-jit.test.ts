// Just-in-time privileged access with the real peers: a grant for a `jit` item gives nothing until its holder
// activates it; an activation without a fresh AAL3 sign-in (or a valid PIV-signed challenge) is refused; a good
// activation reaches a real slapd and the `roles` claim of the ID token the reference RP receives, and at its expiry
// (muster's clock, injected) it leaves the directory and the RP gets a CAEP token-claims-change SET.
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { listAuditEntries } from '../../src/audit/queries.ts';
import { ACR, SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { ActivationService, CatalogueService, RequestService, sweepRequests } from '../../src/governance/index.ts';
import { testOperator } from '../../src/operators/test-operators.ts';
import { pivChallengeVerifier } from '../../src/runtime/access-activation.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, LEAVER_SIGNALS, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { type RunningReferenceRp, certificateSignIn, startReferenceRp } from '../support/federation-peers.ts';
import { type SlapdInstance, slapdSkip, startSlapd } from '../support/slapd.ts';
import { describeEachStore } from '../support/stores.ts';
import { waitUntil } from '../support/wait.ts';

describeEachStore('just-in-time privileged access', (factory) => {
  const skip = slapdSkip();
  let slapd: SlapdInstance;
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let card: CertificateCredential;
  let requestId: string;
  let holderToken: string;
  /** muster's clock: the time of day, until the test moves it ahead past the activation's expiry. */
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const by = (id: string) => ({ identityId: id, actor: `operator:${id}`, correlationId: `jit-${id}` });

  const directoryGroups = async (identityId: string): Promise<string[]> => {
    const [row] = await fm.muster.store.query<{ account_ref: string }>(`SELECT account_ref FROM accounts WHERE identity_id = $1 AND target = 'directory'`, [identityId]);
    if (!row) return [];
    const { LdapConnector } = await import('../../src/connectors/accounts/ldap/connector.ts');
    const connector = new LdapConnector('directory', slapd.options);
    try {
      // the groups' own member values (findAccount), not memberOf, which can fall short after concurrent group changes
      const found = await connector.findAccount(row.account_ref);
      return found?.enabled ? [...found.groups].sort() : [];
    } finally {
      await connector.close();
    }
  };

  before(async () => {
    if (skip) return;
    slapd = await startSlapd();
    fm = await startFederatedMuster({ store: factory, clock, targets: { directory: { kind: 'ldap', ...slapd.options } } });
    card = await issueSoftwarePivCard(fm, 'E1');
    rp = await startReferenceRp(fm, {
      clientId: 'ops-console',
      agreementId: 'ops-console',
      terms: { moreAttributes: [{ name: 'roles', purpose: 'to show the privileged tools you hold' }], signals: [...LEAVER_SIGNALS, { event: 'token-claims-change', action: 'refresh-attributes' }] },
    });
    const { muster } = fm;
    const owner = fm.ids.E3 as string;
    await testOperator(muster, ['policy-admin'], { identityId: owner });
    holderToken = (await testOperator(muster, ['helpdesk'], { identityId: fm.ids.E1 as string })).token;
    await new CatalogueService({ store: muster.store, audit: muster.audit, clock: muster.clock, targets: muster.accessTargets.names }).save(
      'ops-admins',
      {
        kind: 'group',
        target: 'directory',
        group: 'ops-admins',
        description: 'Server administration, one hour at a time',
        owners: [owner],
        privileged: true,
        maxDays: 30,
        approvals: ['owner'],
        activation: 'jit',
        activationHours: 1,
      },
      'operator:test',
      'privileged access just in time',
    );
    const requests = new RequestService({ store: muster.store, audit: muster.audit, clock: muster.clock, config: muster.config });
    const made = await requests.request({ item: 'ops-admins', justification: 'on call this month', endsAt: new Date(Date.now() + 20 * 86_400_000) }, by(fm.ids.E1 as string));
    requestId = made.id;
    assert.equal((await requests.decide(requestId, 'approve', 'on the rota', by(owner))).status, 'granted');
  });

  after(async () => {
    if (skip) return;
    await rp?.close();
    await fm?.close();
    await slapd?.stop();
  });

  const activation = () => new ActivationService({ store: fm.muster.store, audit: fm.muster.audit, clock: fm.muster.clock, config: fm.muster.config });

  test('an eligible grant gives nothing until activated, and activation without a fresh AAL3 sign-in is refused and audited', { skip }, async () => {
    await waitUntil('the grant to be recomputed', async () => (await fm.muster.store.query(`SELECT 1 FROM jobs WHERE status <> 'done'`)).length === 0, { timeoutMs: 20_000 });
    assert.deepEqual(await directoryGroups(fm.ids.E1 as string), []);
    const now = fm.muster.clock.now();
    const stale = { acr: ACR.aal3, authTime: new Date(now.getTime() - 10 * 60_000) };
    const weak = { acr: ACR.aal2, authTime: now };
    for (const signIn of [stale, weak]) {
      await assert.rejects(activation().fromConsole(requestId, signIn, by(fm.ids.E1 as string)), (e: any) => e.code === 'MUSTER_ERR_ACCESS_REQUEST' && /fresh AAL3/.test(e.message));
    }
    const { nonce } = await activation().challenge(requestId, by(fm.ids.E1 as string));
    const forged = { pivCertificate: card.certPem, signature: sign('sha256', Buffer.from('another nonce'), card.keyPem).toString('base64') };
    await assert.rejects(activation().withChallenge(requestId, nonce, pivChallengeVerifier(fm.muster, forged), by(fm.ids.E1 as string)), (e: any) => e.code === 'MUSTER_ERR_DERIVED_BINDING');
    await assert.rejects(activation().withChallenge(requestId, nonce, pivChallengeVerifier(fm.muster, forged), by(fm.ids.E1 as string)), /already used/, 'a spent challenge never activates');
    assert.equal((await listAuditEntries(fm.muster.store, { action: 'access.activation-refused' })).length, 4);
    assert.deepEqual(await directoryGroups(fm.ids.E1 as string), []);
  });

  test('a PIV-signed activation reaches slapd and the ID token; at expiry it leaves both, with a token-claims-change SET', { skip }, async () => {
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${fm.base}/api/access/requests/${requestId}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${holderToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const { nonce } = (await api('challenge', {})).body;
    const signature = sign('sha256', Buffer.from(nonce, 'base64url'), card.keyPem).toString('base64');
    const done = await api('activate', { challenge: nonce, pivCertificate: card.certPem, signature });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.activation.method, 'piv-challenge');
    await waitUntil('ops-admins in the directory', async () => ((await directoryGroups(fm.ids.E1 as string)).includes('ops-admins') ? true : undefined), { timeoutMs: 20_000 });

    const signedIn = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, card);
    assert.equal(signedIn.status, 200, signedIn.body);
    assert.deepEqual(rp.idTokens.at(-1)?.roles, ['ops-admins'], 'the ID token carries the activated role');

    offsetMs = 2 * 3_600_000;
    const swept = await sweepRequests(fm.muster);
    assert.equal(swept.deactivated, 1);
    await waitUntil('ops-admins gone from the directory', async () => ((await directoryGroups(fm.ids.E1 as string)).includes('ops-admins') ? undefined : true), { timeoutMs: 20_000 });
    const set = await waitUntil('a token-claims-change SET at the RP', async () => rp.sets.map((s) => decodeJwt(s.body)).find((p) => SIGNAL_EVENTS['token-claims-change'] in (p.events as object)), {
      timeoutMs: 20_000,
    });
    const event = (set.events as Record<string, any>)[SIGNAL_EVENTS['token-claims-change']];
    assert.deepEqual(event.claims, { roles: [] });
    assert.equal(set.aud, rp.clientId);
  });
});
