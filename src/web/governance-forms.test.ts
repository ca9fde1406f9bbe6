import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hrCsv, hrLine } from '../../test/support/muster.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { ACR } from '../core/federation/profile.ts';
import { AgreementService } from '../federation/agreements.ts';
import { exampleAgreement, exampleRp } from '../federation/agreements-fixture.ts';
import { catalogueHistory, RequestService } from '../governance/index.ts';
import { ConsoleSessions } from '../operators/console-sessions.ts';
import { testOperator } from '../operators/test-operators.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { consoleApp } from './app.ts';
import { CONSOLE_ORIGIN, consoleCookie, consoleSetupOf } from './test-fixtures.ts';

// The console's governance forms in process: a catalogue item created and edited, a campaign opened, each through the
// service of its API route with its role; a manager's request for a report picked from their reports; approvals by name.

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };
const PEOPLE = {
  E1: { given_name: 'Ada', family_name: 'Lovelace', full_name: 'Ada Lovelace', manager: 'E4' },
  E2: { given_name: 'Grace', family_name: 'Hopper', full_name: 'Grace Hopper', manager: 'E1' },
  E3: { given_name: 'Alan', family_name: 'Turing', full_name: 'Alan Turing', manager: 'E1' },
  E4: { given_name: 'Edsger', family_name: 'Dijkstra', full_name: 'Edsger Dijkstra' },
};

describe('governance forms of the console', () => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  let ctx: Muster;
  let sessions: ConsoleSessions;
  let app: ReturnType<typeof consoleApp>;
  let dir: string;
  const ids: Record<string, string> = {};
  const cookies: Record<string, string> = {};

  const cookieOf = (identityId: string) => consoleCookie(sessions, identityId, clock.now(), ACR.aal3);

  const get = (path: string, who: string) => app.request(path, { headers: { cookie: cookies[who] as string } });
  const post = (path: string, who: string, fields: readonly (readonly [string, string])[]) =>
    app.request(path, {
      method: 'POST',
      headers: { cookie: cookies[who] as string, origin: CONSOLE_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString(),
    });

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { ldap: LDAP_TARGET } } }), { store: await pgliteFactory.open(), clock });
    sessions = new ConsoleSessions({ store: ctx.store, audit: ctx.audit, clock });
    const setup = consoleSetupOf(sessions);
    app = consoleApp({ setup: () => setup, muster: ctx, store: ctx.store, clock, agencyCode: '9700' });
    dir = await mkdtemp(join(tmpdir(), 'muster-forms-'));
    const file = join(dir, 'hr.csv');
    await writeFile(file, hrCsv(Object.entries(PEOPLE).map(([id, fields]) => hrLine(id, fields))));
    assert.equal((await ctx.imports.run({ source: 'hr', file, actor: 'hr.admin' })).status, 'applied');
    for (const r of await ctx.store.query<{ id: string; e: string }>(`SELECT id, attributes -> 'employee_id' ->> 'v' AS e FROM identities`)) ids[r.e] = r.id;
    const roles: Record<string, string[]> = { E1: ['reviewer'], E2: ['helpdesk'], E3: ['policy-admin'], E4: ['security-officer', 'auditor'] };
    for (const [person, held] of Object.entries(roles)) {
      await testOperator(ctx, held, { identityId: ids[person] as string });
      cookies[person] = await cookieOf(ids[person] as string);
    }
    cookies.auditor = await cookieOf((await testOperator(ctx, ['auditor'])).identityId);
  });
  after(async () => {
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  });

  const itemFields = (reason: string, over: Record<string, string> = {}, approvals = ['manager', 'owner']): [string, string][] => [
    ...Object.entries({
      name: 'ops-admins',
      kind: 'group',
      target: 'ldap',
      group: 'ops-admins',
      description: 'administer the operations hosts',
      owners: 'E4\nE1',
      privileged: 'yes',
      maxDays: '30',
      activation: 'jit',
      activationHours: '2',
      reason,
      ...over,
    }),
    ...approvals.map((a): [string, string] => ['approvals', a]),
  ];

  it('a policy admin creates a catalogue item naming its owners by employee id, then edits it as its next version', async () => {
    assert.equal((await get('/console/catalogue/new', 'E3')).status, 200);
    const created = await post('/console/catalogue', 'E3', itemFields('offered to operations'));
    assert.equal(created.status, 303, await created.text());
    assert.equal(created.headers.get('location'), '/console/catalogue');
    const edit = await get('/console/catalogue/items/ops-admins', 'E3');
    const form = await edit.text();
    assert.match(form, /<textarea[^>]*id="item-owners"[^>]*>E4\nE1<\/textarea>/);
    assert.match(form, /id="approval-manager"[^>]*checked/);
    const edited = await post('/console/catalogue', 'E3', itemFields('longer grants', { maxDays: '60' }, ['manager']));
    assert.equal(edited.status, 303);
    const [newest, first] = await catalogueHistory(ctx.store, 'ops-admins');
    assert.deepEqual([newest?.version, newest?.document.maxDays, newest?.document.approvals, newest?.document.owners], [2, 60, ['manager'], [ids.E4, ids.E1]]);
    assert.equal(first?.document.maxDays, 30);
    const saved = await listAuditEntries(ctx.store, { action: 'catalogue.item-saved' });
    assert.deepEqual(
      saved.map((e) => [e.actor, e.reason]),
      [
        [`operator:${ids.E3}`, 'longer grants'],
        [`operator:${ids.E3}`, 'offered to operations'],
      ],
    );
    const list = await (await get('/console/catalogue', 'E3')).text();
    assert.match(list, /Edsger Dijkstra \(E4\), Ada Lovelace \(E1\)/);
  });

  it("refuses an item the checker refuses with the service's message, and an owner nobody is", async () => {
    const jitRole = await post('/console/catalogue', 'E3', itemFields('role', { name: 'role-x', kind: 'role', role: 'auditor' }));
    assert.equal(jitRole.status, 422, await jitRole.clone().text());
    assert.match(await jitRole.text(), /just-in-time activation is for groups in targets/);
    const nobody = await post('/console/catalogue', 'E3', itemFields('typo', { name: 'typo', owners: 'E99' }));
    assert.equal(nobody.status, 400);
    const again = await nobody.text();
    assert.match(again, /id="refusal"[\s\S]*Owners: nobody in the MUR is E99/);
    // the form comes back as typed, under the refusal
    assert.match(again, /<input[^>]*id="item-name"[^>]*value="typo"/);
    assert.match(again, /<textarea[^>]*id="item-owners"[^>]*>E99<\/textarea>/);
    assert.match(again, /<textarea[^>]*id="item-description"[^>]*>administer the operations hosts<\/textarea>/);
    assert.match(again, /<textarea[^>]*id="item-reason"[^>]*>typo<\/textarea>/);
    assert.match(again, /id="approval-manager"[^>]*checked/);
    assert.equal((await catalogueHistory(ctx.store, 'ops-admins')).length, 2);
  });

  it('answers 403 to the catalogue forms for another role, and lists no link to them', async () => {
    assert.equal((await get('/console/catalogue/new', 'E4')).status, 403);
    assert.equal((await post('/console/catalogue', 'E4', itemFields('not mine'))).status, 403);
    assert.doesNotMatch(await (await get('/console', 'E4')).text(), /href="\/console\/catalogue"/);
  });

  it('a security officer opens a campaign from the form; an auditor sees no button and gets 403', async () => {
    const page = await (await get('/console/campaigns', 'E4')).text();
    assert.match(page, /id="new-campaign"/);
    assert.equal((await get('/console/campaigns/new', 'E4')).status, 200);
    const fields: [string, string][] = [
      ['name', 'Privileged access Q2'],
      ['scope', 'privileged'],
      ['reviewers', 'manager'],
      ['due', '2026-03-16'],
      ['unanswered', 'escalate'],
      ['reason', 'quarterly review'],
    ];
    const opened = await post('/console/campaigns', 'E4', fields);
    assert.equal(opened.status, 303, await opened.text());
    const [campaign] = await ctx.store.query<{ id: string; due_at: Date; unanswered: string; created_by: string }>('SELECT id, due_at, unanswered, created_by FROM campaigns');
    assert.equal(opened.headers.get('location'), `/console/campaigns#campaign-${campaign?.id}`);
    assert.deepEqual([campaign?.due_at.toISOString(), campaign?.unanswered, campaign?.created_by], ['2026-03-16T23:59:59.000Z', 'escalate', `operator:${ids.E4}`]);
    const past = await post('/console/campaigns', 'E4', [...fields.filter(([k]) => k !== 'due'), ['due', '2026-03-01']]);
    assert.equal(past.status, 400);
    assert.doesNotMatch(await (await get('/console/campaigns', 'auditor')).text(), /id="new-campaign"/);
    assert.equal((await get('/console/campaigns/new', 'auditor')).status, 403);
    assert.equal((await post('/console/campaigns', 'auditor', fields)).status, 403);
  });

  it("offers each active trust agreement's relying parties as a scope, and opens a campaign over one", async () => {
    const agreements = new AgreementService({ store: ctx.store, audit: ctx.audit, clock });
    await agreements.save('travel', exampleAgreement({ name: 'Travel services' }), 'admin', 'onboarding');
    await agreements.save(
      'ended-pilot',
      exampleAgreement({ name: 'Ended pilot', relyingParties: [exampleRp({ clientId: 'pilot-app', name: 'Pilot', redirectUris: ['https://pilot.agency.example/cb'] })] }),
      'admin',
      'onboarding',
    );
    await agreements.setStatus('ended-pilot', 'ended', 'admin', 'pilot over');
    const form = await (await get('/console/campaigns/new', 'E4')).text();
    assert.match(form, /<option value="agreement:travel">Relying parties of Travel services \(what each received\)<\/option>/);
    assert.doesNotMatch(form, /agreement:ended-pilot/);
    const fields: [string, string][] = [
      ['scope', 'agreement:travel'],
      ['reviewers', 'owner'],
      ['due', '2026-03-20'],
      ['unanswered', 'revoke'],
      ['reason', 'yearly review of what travel receives'],
    ];
    const opened = await post('/console/campaigns', 'E4', fields);
    assert.equal(opened.status, 303, await opened.text());
    const [campaign] = await ctx.store.query<{ scope: string }>(`SELECT scope FROM campaigns WHERE scope = 'agreement:travel'`);
    assert.equal(campaign?.scope, 'agreement:travel');
  });

  it('a manager picks a report from their reports by name; the approver reads names, not ids', async () => {
    const page = await (await get('/console/access', 'E1')).text();
    const options = [...page.matchAll(/<option value="([^"]*)">([^<]*)<\/option>/g)].filter(([, v]) => v === '' || Object.values(ids).includes(v as string));
    assert.deepEqual(
      options.map(([, v, text]) => [v, text]),
      [
        ['', 'Yourself'],
        [ids.E3, 'Alan Turing (E3)'],
        [ids.E2, 'Grace Hopper (E2)'],
      ],
    );
    assert.doesNotMatch(await (await get('/console/access', 'auditor')).text(), /id="beneficiary"/);
    const asked = await post('/console/access/requests', 'E1', [
      ['item', 'ops-admins'],
      ['beneficiary', ids.E2 as string],
      ['justification', 'covers the patching window'],
      ['ends', '2026-03-20'],
    ]);
    assert.equal(asked.status, 303, await asked.text());
    const mine = await (await get('/console/access', 'E1')).text();
    assert.match(mine, /Grace Hopper \(E2\)/);
    // the manager step goes past the requesting manager to their own manager
    const requests = new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config });
    const [request] = await requests.inbox(ids.E4 as string);
    assert.equal(request?.beneficiaryId, ids.E2, "waits on the manager's manager");
    const inbox = await (await get('/console/access/approvals', 'E4')).text();
    assert.match(inbox, /<td>Grace Hopper \(E2\)<\/td>\s*<td>Ada Lovelace \(E1\)<\/td>/);
    assert.match(inbox, /Reason for ops-admins for Grace Hopper \(E2\)/);
    assert.doesNotMatch(inbox, new RegExp(`<td>${ids.E2}</td>`));
  });
});
