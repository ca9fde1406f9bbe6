// Certification campaigns over a trust agreement (scope agreement:<id>), on both stores: one item per identity and
// relying party of the agreement that knows the identity, showing what was released; a revoked item ends the access
// (consent forgotten, the rp grant ended, a revocation the sign-in honours) and its jobs end the sessions at that RP
// only and tell that RP alone by shared signals; a lifted revocation tells it again. A cardholder's consent
// withdrawal ends the sessions at the RP and tells it too.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { hrCsv, hrLine } from '../../../test/support/muster.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { listAuditEntries } from '../../audit/queries.ts';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { SIGNAL_EVENTS } from '../../core/federation/profile.ts';
import { AgreementService } from '../../federation/agreements.ts';
import { exampleAgreement, exampleRp } from '../../federation/agreements-fixture.ts';
import { recordRpProvisioned, recordRpUse } from '../../federation/rp-subjects.ts';
import { createHttpApp } from '../../http/app.ts';
import { testOperator } from '../../operators/test-operators.ts';
import { withdrawConsent } from '../../protocols/oidc/interactions/consent-record.ts';
import { type Muster, startMuster } from '../../runtime/context.ts';
import { campaignDeps } from '../../runtime/governance.ts';
import { createJobWorker } from '../../runtime/workers.ts';
import { CatalogueService } from '../catalogue/index.ts';
import { RequestService } from '../requests/requests.ts';
import { createCampaign, decideItem, restoreEntitlement, reviewItems } from './campaigns.ts';
import { runCampaignTask } from './close.ts';
import { rpAccessRevocation } from './rp-access.ts';

const DAY_MS = 86_400_000;
const SIGNALS = [
  { event: 'account-disabled', action: 'disable-account' },
  { event: 'session-revoked', action: 'end-sessions' },
  { event: 'account-enabled', action: 'enable-account' },
];

describeEachStore('certification campaigns over a trust agreement', (factory) => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let ctx: Muster;
  const ids: Record<string, string> = {};
  const deps = () => campaignDeps(ctx);

  const runJobs = async () => {
    const worker = createJobWorker(ctx, { sweepEveryMs: 0 });
    while ((await worker.runOnce()).claimed > 0);
  };

  /** The SETs queued for an identity after `since`, one per row: [client, event short name]. */
  const setsOf = async (identityId: string, since = 0) => {
    const rows = await ctx.store.query<{ client_id: string; set_jwt: string; seq: string }>('SELECT client_id, set_jwt, seq::text AS seq FROM ssf_events WHERE identity_id = $1 ORDER BY seq', [
      identityId,
    ]);
    const names = Object.fromEntries(Object.entries(SIGNAL_EVENTS).map(([name, uri]) => [uri, name]));
    return rows.filter((r) => Number(r.seq) > since).map((r) => [r.client_id, ...Object.keys(decodeJwt(r.set_jwt).events as object).map((e) => names[e])]);
  };
  const lastSeq = async () => Number((await ctx.store.query<{ n: string | null }>('SELECT max(seq)::text AS n FROM ssf_events'))[0]?.n ?? 0);

  /** An OP session of the identity signed in at both relying parties, with a grant at each. */
  const signedInAtBoth = async (identityId: string) => {
    const session = { accountId: identityId, authorizations: { 'benefits-portal': { sid: 's-benefits', grantId: 'g-benefits' }, 'travel-app': { sid: 's-travel', grantId: 'g-travel' } } };
    const rows = [
      ['Session', `session-${identityId}`, session, `uid-${identityId}`],
      ['Grant', `g-benefits-${identityId}`, { accountId: identityId, clientId: 'benefits-portal' }, null],
      ['Grant', `g-travel-${identityId}`, { accountId: identityId, clientId: 'travel-app' }, null],
      ['AccessToken', `at-benefits-${identityId}`, { accountId: identityId, clientId: 'benefits-portal' }, null],
    ] as const;
    for (const [model, id, payload, uid] of rows)
      await ctx.store.query('INSERT INTO oidc_payloads (model, id, payload, uid, account_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        model,
        id,
        JSON.stringify(payload),
        uid,
        identityId,
        new Date(clock.now().getTime() + DAY_MS),
      ]);
  };
  const opState = async (identityId: string) => {
    const rows = await ctx.store.query<{ model: string; id: string; payload: { authorizations?: Record<string, unknown> } }>(
      'SELECT model, id, payload FROM oidc_payloads WHERE account_id = $1 ORDER BY model, id',
      [identityId],
    );
    return rows.map((r) => (r.model === 'Session' ? `Session:${Object.keys(r.payload.authorizations ?? {}).join(',')}` : `${r.model}:${r.id.replace(`-${identityId}`, '')}`));
  };

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', import: { massChangeShare: 1 } } }), { store: await factory.open(), clock });
    const feed = (await testOperator(ctx, ['source-feed:hr'])).token;
    const people = ['E1', 'E2', 'E3', 'E4', 'O1'].map((id) => hrLine(id));
    const res = await createHttpApp(ctx).request('/api/imports/hr', { method: 'POST', headers: { authorization: `Bearer ${feed}`, 'content-type': 'text/csv' }, body: hrCsv(people) });
    assert.equal(res.status, 200, await res.text());
    for (const row of await ctx.store.query<{ id: string; key: string }>(`SELECT id::text AS id, attributes->'employee_id'->>'v' AS key FROM identities WHERE kind = 'person'`)) ids[row.key] = row.id;
    const agreements = new AgreementService({ store: ctx.store, audit: ctx.audit, clock });
    await agreements.save(
      'benefits',
      exampleAgreement({
        attributes: [
          { name: 'email', purpose: 'to send benefit notices' },
          { name: 'name', purpose: 'to greet you' },
        ],
        signals: SIGNALS,
        consent: 'runtime',
      }),
      'admin',
      'onboarding',
    );
    await agreements.save(
      'travel',
      exampleAgreement({ name: 'Travel', relyingParties: [exampleRp({ clientId: 'travel-app', name: 'Travel', redirectUris: ['https://travel.agency.example/cb'] })], signals: SIGNALS }),
      'admin',
      'onboarding',
    );
    const now = clock.now();
    for (const who of ['E1', 'E2', 'E3']) await recordRpUse(ctx.store, ids[who] as string, 'benefits-portal', `sub-${who}`, now);
    await recordRpProvisioned(ctx.store, ids.E4 as string, 'benefits-portal', 'sub-E4', now);
    for (const who of ['E1', 'E2']) await recordRpUse(ctx.store, ids[who] as string, 'travel-app', `travel-${who}`, now);
    // E1 consented to email only (an older version of the agreement); E2 to both
    await ctx.store.query('INSERT INTO federation_consents (identity_id, client_id, attributes, granted_at) VALUES ($1, $2, $3, $4), ($5, $2, $6, $4)', [
      ids.E1,
      'benefits-portal',
      JSON.stringify([{ name: 'email', purpose: 'to send benefit notices' }]),
      now,
      ids.E2,
      JSON.stringify([
        { name: 'email', purpose: 'to send benefit notices' },
        { name: 'name', purpose: 'to greet you' },
      ]),
    ]);
    await new CatalogueService({ store: ctx.store, audit: ctx.audit, clock, targets: [] }).save(
      'benefits-access',
      { kind: 'rp', agreement: 'benefits', description: 'the benefits portal', owners: [ids.O1], privileged: false, maxDays: 365, approvals: ['auto'] },
      'admin',
      'offered on request',
    );
    const granted = await new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config }).request(
      { item: 'benefits-access', justification: 'casework', endsAt: new Date(now.getTime() + 90 * DAY_MS) },
      { identityId: ids.E1 as string, actor: 'E1', correlationId: 'request' },
    );
    assert.equal(granted.status, 'granted');
    await runJobs();
  });

  after(async () => {
    await ctx?.close();
  });

  it('refuses an agreement that does not exist', async () => {
    await assert.rejects(
      createCampaign(deps(), { scope: 'agreement:nowhere', reviewers: 'owner', due: '14d', reason: 'r', actor: 'test', correlationId: 'c' }),
      (e: any) => e.code === 'MUSTER_ERR_VALIDATION' && /no trust agreement 'nowhere'/.test(e.message),
    );
    await assert.rejects(createCampaign(deps(), { scope: 'agreement:', reviewers: 'owner', due: '14d', reason: 'r', actor: 'test', correlationId: 'c' }), (e: any) => /agreement:<id>/.test(e.message));
  });

  it('one item per identity and relying party of the agreement that knows it, showing what it received; revoked and unanswered items end the access at the due date', async () => {
    const { campaign, items } = await createCampaign(deps(), { scope: 'agreement:benefits', reviewers: 'owner', due: '14d', reason: 'benefits review', actor: 'test', correlationId: 'c1' });
    assert.equal(items, 4, 'E1, E2, E3 signed in; E4 had an account pushed; nobody of travel');
    const all = await reviewItems(ctx, { campaignId: campaign.id });
    const byWho = (who: string) => all.find((i) => i.identityId === ids[who]);
    assert.deepEqual(
      all.map((i) => [i.kind, i.target, i.entitlement, i.reviewerId]),
      all.map(() => ['rp', 'agreement:benefits', 'benefits-portal', ids.O1]),
      'the owner of the rp catalogue item reviews',
    );
    assert.deepEqual(byWho('E1')?.detail?.released, ['email'], 'what E1 consented to');
    assert.deepEqual(byWho('E2')?.detail?.released, ['email', 'name']);
    assert.deepEqual(byWho('E3')?.detail?.released, ['email', 'name'], 'no consent on record: what the agreement releases');
    assert.ok(byWho('E1')?.detail?.consentedAt);
    assert.equal(byWho('E4')?.detail?.lastSignIn, null);
    assert.ok(byWho('E4')?.detail?.provisionedAt, 'E4 is known to the RP by the account pushed');

    await signedInAtBoth(ids.E1 as string);
    const decide = (who: string, decision: string) =>
      decideItem(deps(), { itemId: byWho(who)?.id as string, decision, comment: `${decision}: checked with the program office`, actor: `operator:${ids.O1}`, reviewerId: ids.O1, correlationId: 'c1' });
    await decide('E1', 'revoke');
    await decide('E2', 'keep');
    await decide('E4', 'keep');
    assert.equal(await rpAccessRevocation(ctx.store, ids.E1 as string, 'benefits', 'benefits-portal'), undefined, 'nothing happens before the due date');

    const since = await lastSeq();
    clock.advance(15 * DAY_MS);
    assert.equal((await runCampaignTask(deps(), async () => {})).closed, 1);
    assert.match((await rpAccessRevocation(ctx.store, ids.E1 as string, 'benefits', 'benefits-portal')) ?? '', new RegExp(`campaign .*${campaign.id}.*: revoked by operator:${ids.O1}`));
    assert.match((await rpAccessRevocation(ctx.store, ids.E3 as string, 'benefits', 'benefits-portal')) ?? '', /revoked-unanswered/);
    assert.equal(await rpAccessRevocation(ctx.store, ids.E2 as string, 'benefits', 'benefits-portal'), undefined, 'kept');
    assert.equal(await rpAccessRevocation(ctx.store, ids.E1 as string, 'travel', 'travel-app'), undefined, 'another agreement is untouched');
    const consents = await ctx.store.query<{ identity_id: string }>('SELECT identity_id FROM federation_consents ORDER BY identity_id');
    assert.deepEqual(
      consents.map((c) => c.identity_id),
      [ids.E2],
      "E1's consent is forgotten",
    );
    const [grant] = await ctx.store.query<{ status: string; end_reason: string }>("SELECT status, end_reason FROM access_requests WHERE beneficiary_id = $1 AND kind = 'rp'", [ids.E1]);
    assert.equal(grant?.status, 'ended', 'the rp grant the access came from ends');
    assert.match(grant?.end_reason ?? '', new RegExp(campaign.id));
    const ended = await listAuditEntries(ctx.store, { action: 'rp.access-ended' });
    assert.deepEqual(ended.map((e) => e.target).sort(), [ids.E1, ids.E3].sort());
    const data = ended.find((e) => e.target === ids.E1)?.data as Record<string, unknown>;
    assert.equal(data.campaign_id, campaign.id);
    assert.equal(data.client_id, 'benefits-portal');
    assert.deepEqual(data.released, ['email']);
    assert.equal((data.grants_ended as string[]).length, 1);
    const closed = (await listAuditEntries(ctx.store, { action: 'campaign.closed' })).find((e) => e.target === `campaign:${campaign.id}`);
    assert.equal((closed?.data as Record<string, unknown> | undefined)?.rp_access_revoked, 2);

    await runJobs();
    assert.deepEqual(await opState(ids.E1 as string), ['Grant:g-travel', 'Session:travel-app'], 'the sessions end at that RP only: its grant and tokens go');
    assert.deepEqual(
      await setsOf(ids.E1 as string, since),
      [
        ['benefits-portal', 'account-disabled'],
        ['benefits-portal', 'session-revoked'],
      ],
      'only that RP is told',
    );
    assert.deepEqual(await setsOf(ids.E3 as string, since), [
      ['benefits-portal', 'account-disabled'],
      ['benefits-portal', 'session-revoked'],
    ]);
    assert.deepEqual(await setsOf(ids.E2 as string, since), [], 'a kept item tells nobody');
    const sessions = (await listAuditEntries(ctx.store, { action: 'oidc.sessions.ended', target: ids.E1 as string })).at(-1)?.data as Record<string, unknown>;
    assert.equal(sessions.client_id, 'benefits-portal');

    const again = await createCampaign(deps(), { scope: 'agreement:benefits', reviewers: 'owner', due: '14d', reason: 'again', actor: 'test', correlationId: 'c2' });
    assert.equal(again.items, 2, 'an access revoked already is not reviewed again');

    const beforeRestore = await lastSeq();
    await restoreEntitlement(ctx, {
      identityId: ids.E1 as string,
      target: 'agreement:benefits',
      entitlement: 'benefits-portal',
      reason: 'back on the program',
      actor: 'test',
      correlationId: 'restore',
    });
    assert.equal(await rpAccessRevocation(ctx.store, ids.E1 as string, 'benefits', 'benefits-portal'), undefined);
    await runJobs();
    assert.deepEqual(await setsOf(ids.E1 as string, beforeRestore), [['benefits-portal', 'account-enabled']], 'the RP hears the account is back');
    assert.equal((await listAuditEntries(ctx.store, { action: 'rp.access-restored', target: ids.E1 as string })).length, 1);
  });

  it('an escalated item revoked after the due date ends the access at once', async () => {
    const { campaign } = await createCampaign(deps(), {
      scope: 'agreement:travel',
      reviewers: 'owner',
      due: '7d',
      unanswered: 'escalate',
      reason: 'travel review',
      actor: 'test',
      correlationId: 'c3',
    });
    clock.advance(8 * DAY_MS);
    await runCampaignTask(deps(), async () => {});
    const escalated = await reviewItems(ctx, { campaignId: campaign.id, escalated: true });
    assert.equal(escalated.length, 2);
    const officer = await testOperator(ctx, ['security-officer']);
    const item = escalated.find((i) => i.identityId === ids.E2);
    const since = await lastSeq();
    const decided = await decideItem(deps(), {
      itemId: item?.id as string,
      decision: 'revoke',
      comment: 'no longer travels',
      actor: officer.actor,
      reviewerId: officer.identityId,
      roles: ['security-officer'],
      correlationId: 'c3',
    });
    assert.equal(decided.outcome, 'revoked');
    assert.ok(await rpAccessRevocation(ctx.store, ids.E2 as string, 'travel', 'travel-app'));
    const entry = (await listAuditEntries(ctx.store, { action: 'rp.access-ended', target: ids.E2 as string })).at(-1);
    assert.equal(entry?.actor, officer.actor);
    assert.equal((entry?.data as Record<string, unknown> | undefined)?.campaign_id, campaign.id);
    await runJobs();
    assert.deepEqual(await setsOf(ids.E2 as string, since), [
      ['travel-app', 'account-disabled'],
      ['travel-app', 'session-revoked'],
    ]);
  });

  it("a cardholder's consent withdrawal ends the sessions at that RP and tells it; the access itself stays", async () => {
    await signedInAtBoth(ids.E4 as string);
    await ctx.store.query('INSERT INTO federation_consents (identity_id, client_id, attributes, granted_at) VALUES ($1, $2, $3, $4)', [ids.E4, 'benefits-portal', '[]', clock.now()]);
    const since = await lastSeq();
    const withdrawal = { identityId: ids.E4 as string, clientId: 'benefits-portal', actor: `operator:${ids.E4}`, correlationId: 'withdraw', now: clock.now() };
    assert.equal(await withdrawConsent(ctx.store, ctx.audit, withdrawal), true);
    assert.equal(await withdrawConsent(ctx.store, ctx.audit, withdrawal), false, 'nothing left to withdraw');
    const entries = await listAuditEntries(ctx.store, { action: 'oidc.consent.withdrawn', target: ids.E4 as string });
    assert.deepEqual(
      entries.map((e) => [e.actor, (e.data as Record<string, unknown>).client_id, (e.data as Record<string, unknown>).cause]),
      [[`operator:${ids.E4}`, 'benefits-portal', 'consent-withdrawn']],
    );
    await runJobs();
    assert.deepEqual(await opState(ids.E4 as string), ['Grant:g-travel', 'Session:travel-app']);
    assert.deepEqual(await setsOf(ids.E4 as string, since), [['benefits-portal', 'session-revoked']], 'the RP ends its sessions; the account stays');
    assert.equal(await rpAccessRevocation(ctx.store, ids.E4 as string, 'benefits', 'benefits-portal'), undefined, 'the next sign-in asks for consent again');
  });

  it("a manager reviews their reports' access whether the manager attribute names them by employee id or identity id", async () => {
    const setManager = (who: string, value: string) =>
      ctx.store.query(`UPDATE identities SET attributes = jsonb_set(attributes, '{manager}', jsonb_build_object('v', $2::text)) WHERE id = $1`, [ids[who], value]);
    await setManager('E2', ids.O1 as string);
    await setManager('E4', 'O1');
    const { campaign } = await createCampaign(deps(), { scope: 'agreement:benefits', reviewers: 'manager', due: '14d', reason: 'managers review', actor: 'test', correlationId: 'c4' });
    const items = await reviewItems(ctx, { campaignId: campaign.id });
    const reviewerOf = (who: string) => items.find((i) => i.identityId === ids[who])?.reviewerId;
    assert.equal(reviewerOf('E2'), ids.O1, 'named by identity id');
    assert.equal(reviewerOf('E4'), ids.O1, 'named by employee id');
    await setManager('E4', 'nobody-here');
    const next = await createCampaign(deps(), { scope: 'agreement:benefits', reviewers: 'manager', due: '14d', reason: 'managers review', actor: 'test', correlationId: 'c5' });
    const unassigned = (await reviewItems(ctx, { campaignId: next.campaign.id })).find((i) => i.identityId === ids.E4);
    assert.equal(unassigned?.reviewerId, null, 'a name that is neither: no reviewer (escalated at the due date)');
  });

  it('a grant covering two relying parties stands while one is revoked, and ends when the other is revoked too', async () => {
    const rps = [
      exampleRp({ clientId: 'case-app', name: 'Casework', redirectUris: ['https://case.agency.example/cb'] }),
      exampleRp({ clientId: 'case-mobile', name: 'Casework mobile', redirectUris: ['https://m.case.agency.example/cb'] }),
    ];
    await new AgreementService({ store: ctx.store, audit: ctx.audit, clock }).save('casework', exampleAgreement({ name: 'Casework', relyingParties: rps, signals: SIGNALS }), 'admin', 'onboarding');
    await new CatalogueService({ store: ctx.store, audit: ctx.audit, clock, targets: [] }).save(
      'casework-access',
      { kind: 'rp', agreement: 'casework', description: 'casework, desktop and mobile', owners: [ids.O1], privileged: false, maxDays: 365, approvals: ['auto'] },
      'admin',
      'offered on request',
    );
    const person = ids.E2 as string;
    const grant = await new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config }).request(
      { item: 'casework-access', justification: 'casework', endsAt: new Date(clock.now().getTime() + 90 * DAY_MS) },
      { identityId: person, actor: 'E2', correlationId: 'request' },
    );
    assert.equal(grant.status, 'granted');
    for (const client of ['case-app', 'case-mobile']) await recordRpUse(ctx.store, person, client, `${client}-E2`, clock.now());
    const grantStatus = async () => (await ctx.store.query<{ status: string }>('SELECT status FROM access_requests WHERE id = $1', [grant.id]))[0]?.status;
    const revokeAt = async (client: string) => {
      const { campaign } = await createCampaign(deps(), { scope: 'agreement:casework', reviewers: 'owner', due: '14d', reason: `casework review, ${client}`, actor: 'test', correlationId: 'c3' });
      const item = (await reviewItems(ctx, { campaignId: campaign.id })).find((i) => i.identityId === person && i.entitlement === client);
      await decideItem(deps(), { itemId: item?.id as string, decision: 'revoke', comment: `no longer uses ${client}`, actor: `operator:${ids.O1}`, reviewerId: ids.O1, correlationId: 'c3' });
      for (const other of await reviewItems(ctx, { campaignId: campaign.id }))
        if (other.id !== item?.id) await decideItem(deps(), { itemId: other.id, decision: 'keep', comment: 'still used', actor: `operator:${ids.O1}`, reviewerId: ids.O1, correlationId: 'c3' });
      clock.advance(15 * DAY_MS);
      await runCampaignTask(deps(), async () => {});
      const [closed] = await ctx.store.query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [campaign.id]);
      assert.equal(closed?.status, 'closed');
    };

    await revokeAt('case-app');
    assert.ok(await rpAccessRevocation(ctx.store, person, 'casework', 'case-app'));
    assert.equal(await rpAccessRevocation(ctx.store, person, 'casework', 'case-mobile'), undefined);
    assert.equal(await grantStatus(), 'granted', 'the grant still opens case-mobile');

    await revokeAt('case-mobile');
    assert.equal(await grantStatus(), 'ended', 'no relying party of the agreement is left open');
  });
});
