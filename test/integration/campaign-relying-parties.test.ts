// A certification campaign over a trust agreement against real relying parties: muster as `muster serve` runs it,
// the reference RP built on muster/rp receiving pushed SETs, and a SCIM 2.0 service (SCIMMY) as the same RP's
// provisioning API. Two people signed in at the RP and a third had an account pushed there; the owner revokes one
// and leaves their own item unanswered. At the close the RP disables the revoked person's account and ends their
// session on the SET, the SCIM accounts of both revoked people are deleted, the OP session no longer reaches that
// RP and a new sign-in there is refused; a restore brings the account back. A cardholder who withdraws their
// consent at another RP is signed out there by a SET and asked again at the next sign-in.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { SIGNAL_EVENTS } from '../../src/core/federation/profile.ts';
import { CatalogueService, closeCampaign, createCampaign, decideItem, restoreEntitlement, reviewItems } from '../../src/governance/index.ts';
import { type CampaignRow, campaignById } from '../../src/governance/campaigns/campaign-repository.ts';
import { provisionAgreement } from '../../src/federation/provisioning/index.ts';
import { withdrawConsent } from '../../src/protocols/oidc/interactions/consent-record.ts';
import { campaignDeps } from '../../src/runtime/governance.ts';
import { BrowserFetch } from '../support/browser-fetch.ts';
import { type CertificateCredential, type FederatedMuster, issueSoftwarePivCard, startFederatedMuster } from '../support/federation.ts';
import { type RunningReferenceRp, certificateSignIn, startReferenceRp } from '../support/federation-peers.ts';
import { type ScimService, startScimService } from '../support/scim-service.ts';
import { describeEachStore } from '../support/stores.ts';
import { waitUntil } from '../support/wait.ts';

const SIGNALS = [
  { event: 'account-disabled', action: 'disable-account' },
  { event: 'session-revoked', action: 'end-sessions' },
  { event: 'account-enabled', action: 'enable-account' },
];

function subOf(body: string): string | undefined {
  return /<code id="sub">([^<]+)<\/code>/.exec(body)?.[1];
}

describeEachStore('a certification campaign over a trust agreement, against the relying party', (factory) => {
  let fm: FederatedMuster;
  let rp: RunningReferenceRp;
  let scim: ScimService;
  const cards: Record<string, CertificateCredential> = {};
  const subs: Record<string, string> = {};

  const accountOf = async (running: RunningReferenceRp, sub: string) => (await running.rp.accounts.list()).find((a) => a.identifiers.some((i) => i.sub === sub));
  const scimUserOf = (sub: string) => scim.users().find((u) => u.externalId === sub);
  const auditOf = (action: string, target: string) =>
    fm.muster.store.query<{ actor: string; reason: string; data: Record<string, unknown> }>('SELECT actor, reason, data FROM audit_log WHERE action = $1 AND target = $2 ORDER BY seq', [
      action,
      target,
    ]);
  const acceptedSets = (running: RunningReferenceRp, sub: string) =>
    running.sets
      .filter((s) => s.status === 202)
      .map((s) => decodeJwt(s.body))
      .filter((set) => (set.sub_id as { sub?: string } | undefined)?.sub === sub)
      .map((set) => Object.keys(set.events as object).map((uri) => Object.entries(SIGNAL_EVENTS).find(([, u]) => u === uri)?.[0]))
      .flat();
  const opSessionClients = async (identityId: string) => {
    const rows = await fm.muster.store.query<{ payload: { authorizations?: Record<string, unknown> } }>(`SELECT payload FROM oidc_payloads WHERE model = 'Session' AND account_id = $1`, [identityId]);
    return rows.flatMap((r) => Object.keys(r.payload.authorizations ?? {})).sort();
  };

  before(async () => {
    fm = await startFederatedMuster({ store: factory });
    for (const person of ['E1', 'E2', 'E3']) cards[person] = await issueSoftwarePivCard(fm, person);
    scim = await startScimService();
    rp = await startReferenceRp(fm, { clientId: 'casework-rp', agreementId: 'casework', terms: { signals: SIGNALS } });
    // the same relying party's provisioning API: the agreement allows pushing its population there
    const current = await fm.agreements.get('casework');
    const tokenFile = join(fm.dir, 'casework-scim-token');
    await writeFile(tokenFile, `${scim.token}\n`);
    const document = current.document as unknown as { relyingParties: Record<string, unknown>[] };
    await fm.agreements.save(
      'casework',
      {
        ...document,
        relyingParties: document.relyingParties.map((party) => ({ ...party, scim: { baseUrl: scim.baseUrl, bearerTokenFile: tokenFile } })),
        provisioning: { allowed: true, reason: 'caseworkers have accounts before they first sign in' },
      },
      'admin.alice',
      'provisioning to the casework system',
    );
    await provisionAgreement({ store: fm.muster.store, audit: fm.muster.audit, clock: fm.muster.clock }, 'casework', { actor: 'admin.alice' });
    await waitUntil('the population pushed to the SCIM service', async () => (scim.users().length === 3 ? true : undefined), { timeoutMs: 30_000 });
  });

  after(async () => {
    await rp?.close();
    await scim?.stop();
    await fm?.close();
  });

  test('the owner revokes one person and leaves their own item unanswered: at the close the RP disables, deprovisions and refuses them; a restore brings the account back', async () => {
    for (const person of ['E1', 'E2'] as const) {
      const page = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards[person] as CertificateCredential);
      assert.equal(page.status, 200, page.body);
      subs[person] = subOf(page.body) as string;
    }
    const e1Account = await accountOf(rp, subs.E1 as string);
    assert.equal(e1Account?.state, 'active');
    assert.equal(rp.rp.sessions.forAccount(e1Account?.id ?? '').length, 1);
    assert.ok(scimUserOf(subs.E1 as string), 'E1 has a SCIM account under the subject the RP knows');
    assert.deepEqual(await opSessionClients(fm.ids.E1 as string), ['casework-rp']);

    const { store, audit, clock } = fm.muster;
    await new CatalogueService({ store, audit, clock, targets: [] }).save(
      'casework-access',
      { kind: 'rp', agreement: 'casework', description: 'the casework system', owners: [fm.ids.E3], privileged: false, maxDays: 365, approvals: ['owner'] },
      'admin.alice',
      'E3 runs the casework program',
    );
    const deps = campaignDeps(fm.muster);
    const { campaign, items } = await createCampaign(deps, {
      scope: 'agreement:casework',
      reviewers: 'owner',
      due: '14d',
      reason: 'casework access review',
      actor: 'admin.alice',
      correlationId: 'review',
    });
    assert.equal(items, 3, 'E1 and E2 signed in, E3 was pushed');
    const all = await reviewItems(fm.muster, { campaignId: campaign.id });
    const itemOf = (person: string) => all.find((i) => i.identityId === fm.ids[person]);
    assert.deepEqual(itemOf('E1')?.detail?.released, ['email', 'name']);
    assert.equal(itemOf('E1')?.detail?.account, 'active');
    assert.equal(itemOf('E3')?.reviewerId, null, 'nobody reviews their own access');
    for (const [person, decision] of [
      ['E1', 'revoke'],
      ['E2', 'keep'],
    ] as const) {
      await decideItem(deps, {
        itemId: itemOf(person)?.id as string,
        decision,
        comment: `${decision}: checked the case load`,
        actor: `operator:${fm.ids.E3}`,
        reviewerId: fm.ids.E3,
        correlationId: 'review',
      });
    }
    await closeCampaign(deps, (await campaignById(store, campaign.id)) as CampaignRow, async () => {});

    await waitUntil('the RP to disable the revoked account', async () => ((await accountOf(rp, subs.E1 as string))?.state === 'disabled' ? true : undefined), { timeoutMs: 30_000 });
    assert.equal(rp.rp.sessions.forAccount(e1Account?.id ?? '').length, 0, 'the RP ended the session');
    await waitUntil('both SETs accepted', async () => (acceptedSets(rp, subs.E1 as string).length === 2 ? true : undefined), { timeoutMs: 30_000 });
    assert.deepEqual(acceptedSets(rp, subs.E1 as string), ['account-disabled', 'session-revoked']);
    const e2Account = await accountOf(rp, subs.E2 as string);
    assert.equal(e2Account?.state, 'active', 'the kept access is untouched');
    assert.equal(rp.rp.sessions.forAccount(e2Account?.id ?? '').length, 1);
    assert.deepEqual(acceptedSets(rp, subs.E2 as string), []);

    await waitUntil('the SCIM accounts of the revoked people deleted', async () => (scim.users().length === 1 ? true : undefined), { timeoutMs: 30_000 });
    assert.ok(scimUserOf(subs.E2 as string), "E2's account stays");
    await waitUntil("the OP to take the RP out of E1's session", async () => ((await opSessionClients(fm.ids.E1 as string)).length === 0 ? true : undefined), { timeoutMs: 30_000 });

    const ended = await auditOf('rp.access-ended', fm.ids.E1 as string);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.data.campaign_id, campaign.id);
    assert.equal(ended[0]?.data.client_id, 'casework-rp');
    assert.match(ended[0]?.reason ?? '', new RegExp(`certification campaign .*${campaign.id}.*revoked`));
    assert.equal((await auditOf('rp.access-ended', fm.ids.E3 as string))[0]?.data.outcome, 'revoked-unanswered');
    // the push's audit entry commits after the SCIM service has answered the DELETE the wait above saw
    await waitUntil('the SCIM termination audited', async () => ((await auditOf('federation.provisioning.terminated', `identity:${fm.ids.E1}`)).length > 0 ? true : undefined), { timeoutMs: 30_000 });
    assert.equal((await auditOf('federation.provisioning.terminated', `identity:${fm.ids.E1}`)).length, 1);

    const again = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E1 as CertificateCredential);
    assert.equal(again.status, 403, again.body);
    assert.match(again.body, /revoked in an access review/);
    const refusals = (await auditOf('oidc.sign-in.refused', fm.ids.E1 as string)).filter((r) => r.data.reason === 'access-revoked');
    assert.equal(refusals.length, 1);

    await restoreEntitlement(fm.muster, {
      identityId: fm.ids.E1 as string,
      target: 'agreement:casework',
      entitlement: 'casework-rp',
      reason: 'back on the program',
      actor: 'admin.alice',
      correlationId: 'restore',
    });
    await waitUntil('the RP to enable the account again', async () => ((await accountOf(rp, subs.E1 as string))?.state === 'active' ? true : undefined), { timeoutMs: 30_000 });
    await waitUntil('the SCIM account pushed again', async () => (scimUserOf(subs.E1 as string) ? true : undefined), { timeoutMs: 30_000 });
    const back = await certificateSignIn(fm, new BrowserFetch(), `${rp.url}/login`, cards.E1 as CertificateCredential);
    assert.equal(back.status, 200, back.body);
  });

  test('a consent withdrawn by the cardholder signs them out at that RP and asks again at the next sign-in', async () => {
    const consenting = await startReferenceRp(fm, { clientId: 'benefits-rp', agreementId: 'benefits', terms: { consent: 'runtime', signals: SIGNALS } });
    try {
      const page = await certificateSignIn(fm, new BrowserFetch(), `${consenting.url}/login`, cards.E2 as CertificateCredential);
      assert.equal(page.status, 200, page.body);
      const sub = subOf(page.body) as string;
      const account = await accountOf(consenting, sub);
      assert.equal(consenting.rp.sessions.forAccount(account?.id ?? '').length, 1);
      const withdrawn = await withdrawConsent(fm.muster.store, fm.muster.audit, {
        identityId: fm.ids.E2 as string,
        clientId: 'benefits-rp',
        actor: `operator:${fm.ids.E2}`,
        correlationId: 'withdraw',
        now: fm.muster.clock.now(),
      });
      assert.equal(withdrawn, true);
      await waitUntil('the RP to end the session', async () => (consenting.rp.sessions.forAccount(account?.id ?? '').length === 0 ? true : undefined), { timeoutMs: 30_000 });
      // the back-channel logout may end the session before the SET is pushed: each goes out as a job of its own
      await waitUntil('the RP to accept the SET', async () => (acceptedSets(consenting, sub).length > 0 ? true : undefined), { timeoutMs: 30_000 });
      assert.deepEqual(acceptedSets(consenting, sub), ['session-revoked']);
      assert.equal((await accountOf(consenting, sub))?.state, 'active', 'the account stays');
      assert.deepEqual(await opSessionClients(fm.ids.E2 as string), ['casework-rp'], 'the OP session still reaches the other RP');
      const entries = await auditOf('oidc.consent.withdrawn', fm.ids.E2 as string);
      assert.deepEqual(
        entries.map((e) => [e.actor, e.data.client_id]),
        [[`operator:${fm.ids.E2}`, 'benefits-rp']],
      );
      const next = await certificateSignIn(fm, new BrowserFetch(), `${consenting.url}/login`, cards.E2 as CertificateCredential);
      assert.equal(next.status, 200, next.body);
      const [consent] = await fm.muster.store.query<{ data: { basis: string } }>(
        `SELECT data FROM audit_log WHERE action = 'oidc.consent' AND data->>'client_id' = 'benefits-rp' ORDER BY seq DESC LIMIT 1`,
      );
      assert.equal(consent?.data.basis, 'given', 'the consent page was shown again');
    } finally {
      await consenting.close();
    }
  });

  test('no part of muster reported a failure', () => {
    assert.deepEqual(fm.errors.map(String), []);
  });
});
