import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pgliteFactory } from '../../test/support/stores.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { RequestService } from '../governance/index.ts';
import { testOperator } from '../operators/test-operators.ts';
import { type Muster, startMuster } from './context.ts';
import { seedDemoCatalogue } from './demo-catalogue.ts';
import type { DemoTokens } from './demo-operators.ts';

let ctx: Muster;
const clock = new ManualClock('2026-03-02T09:00:00Z');
before(async () => {
  ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:' } }), { store: await pgliteFactory.open(), clock });
});
after(() => ctx.close());

test('the demo seeds a small catalogue and leaves one request in the security officer’s inbox', async () => {
  const officer = await testOperator(ctx, ['security-officer']);
  const registrar = await testOperator(ctx, ['registrar']);
  const seeded = await seedDemoCatalogue(ctx, { 'security-officer': officer.token, registrar: registrar.token } as unknown as DemoTokens, 'cli:demo', 'demo');
  assert.deepEqual(seeded.items, ['cdm-reports', 'ca-operations']);
  const inbox = await new RequestService({ store: ctx.store, audit: ctx.audit, clock, config: ctx.config }).inbox(officer.identityId);
  assert.deepEqual(
    inbox.map((r) => [r.id, r.item, r.beneficiaryId, r.waitingOn]),
    [[seeded.pendingRequest, 'cdm-reports', registrar.identityId, 'owner']],
  );
});
