import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pgliteFactory } from '../../test/support/stores.ts';
import { MUSTER_OWN_PATHS, ownRouteAt } from '../config/issuer.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import { createMetrics } from '../runtime/metrics.ts';
import { PKI_PATHS } from '../runtime/pki.ts';
import { createHttpApp } from './app.ts';
import { federationRecordRoutes } from './routes/federation-record.ts';
import { consoleApp } from '../web/index.ts';

/**
 * The issuer may have any path that none of muster's own routes lies under (config/issuer.ts, checked when the
 * configuration is loaded). This holds the list to the app: every route the admin app serves, with the OP at the
 * host's root, lies under one of MUSTER_OWN_PATHS, and so do the CA's raw listeners.
 */
let ctx: Muster;

before(async () => {
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', federation: { oidc: { issuer: 'https://idp.agency.example' } } } });
  ctx = await startMuster(config, { store: await pgliteFactory.open(), clock: new ManualClock('2026-03-02T09:00:00Z') });
});
after(() => ctx.close());

test("every route of the admin app, the console included, and every path of the CA lies under one of muster's own paths", () => {
  const records = federationRecordRoutes({ discovery: async () => ({}) });
  const pages = consoleApp({ setup: () => undefined, store: ctx.store, clock: ctx.clock, agencyCode: ctx.config.agency.code });
  const app = createHttpApp(ctx, [records, (app) => void app.route('/', pages)], { metrics: createMetrics(ctx) });
  const paths = [...new Set(app.routes.map((r) => r.path).filter((p) => p !== '/*' && p !== '*')), ...Object.values(PKI_PATHS)];
  assert.ok(paths.length > 20);
  for (const path of paths) assert.ok(ownRouteAt(path), `${path} is not under ${MUSTER_OWN_PATHS.join(', ')}`);
});
