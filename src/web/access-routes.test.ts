import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { pgliteFactory } from '../../test/support/stores.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { ACR } from '../core/federation/profile.ts';
import { ActivationService, CatalogueService, RequestService } from '../governance/index.ts';
import { ConsoleSessions } from '../operators/console-sessions.ts';
import { testOperator } from '../operators/test-operators.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { consoleApp } from './app.ts';
import { CONSOLE_ORIGIN, consoleCookie, consoleSetupOf } from './test-fixtures.ts';

const LDAP_TARGET = { kind: 'ldap', url: 'ldap://127.0.0.1:1', bindDn: 'cn=a', bindPassword: 'x', usersDn: 'ou=people,dc=x', groupsDn: 'ou=groups,dc=x' };

const clock = new ManualClock('2026-03-02T09:00:00Z');
let ctx: Muster;
let sessions: ConsoleSessions;
let app: ReturnType<typeof consoleApp>;
let holder: string;
let requestId: string;

before(async () => {
  ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', targets: { ldap: LDAP_TARGET } } }), { store: await pgliteFactory.open(), clock });
  sessions = new ConsoleSessions({ store: ctx.store, audit: ctx.audit, clock });
  const setup = consoleSetupOf(sessions);
  const activation = new ActivationService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config });
  app = consoleApp({ setup: () => setup, store: ctx.store, clock, agencyCode: '9700', activation: () => activation });
  const owner = (await testOperator(ctx, ['policy-admin'])).identityId;
  holder = (await testOperator(ctx, ['helpdesk'])).identityId;
  await new CatalogueService({ store: ctx.store, audit: ctx.audit, clock, targets: ['ldap'] }).save(
    'ops-admins',
    { kind: 'group', target: 'ldap', group: 'ops-admins', description: 'd', owners: [owner], privileged: true, maxDays: 30, approvals: ['owner'], activation: 'jit', activationHours: 2 },
    'test',
    'jit',
  );
  const requests = new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config });
  requestId = (
    await requests.request(
      { item: 'ops-admins', justification: 'on call', endsAt: new Date(clock.now().getTime() + 5 * 86_400_000) },
      { identityId: holder, actor: `operator:${holder}`, correlationId: 'c' },
    )
  ).id;
  await requests.decide(requestId, 'approve', 'ok', { identityId: owner, actor: `operator:${owner}`, correlationId: 'c' });
});
after(() => ctx.close());

const cookieOf = (authTime: Date, acr: string) => consoleCookie(sessions, holder, authTime, acr);

const activate = (cookie: string) =>
  app.request('/console/access/activate', { method: 'POST', headers: { cookie, origin: CONSOLE_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: `request=${requestId}` });

it('refuses an activation from a session signed in more than five minutes ago, or below AAL3, and audits it', async () => {
  const stale = await activate(await cookieOf(new Date(clock.now().getTime() - 6 * 60_000), ACR.aal3));
  assert.equal(stale.status, 403);
  assert.match(await stale.text(), /fresh AAL3 sign-in/);
  const weak = await activate(await cookieOf(clock.now(), ACR.aal2));
  assert.equal(weak.status, 403);
  const refused = await listAuditEntries(ctx.store, { action: 'access.activation-refused' });
  assert.equal(refused.length, 2);
  assert.equal(refused[0]?.actor, `operator:${holder}`);
});

it('activates for the item’s hours after a fresh AAL3 sign-in', async () => {
  const answer = await activate(await cookieOf(new Date(clock.now().getTime() - 60_000), ACR.aal3));
  assert.equal(answer.status, 200);
  assert.match(await answer.text(), /ops-admins is active until 2026-03-02T11:00:00.000Z/);
  const [row] = await ctx.store.query<{ active_until: Date }>('SELECT active_until FROM access_requests WHERE id = $1', [requestId]);
  assert.equal(row?.active_until.toISOString(), '2026-03-02T11:00:00.000Z');
});
