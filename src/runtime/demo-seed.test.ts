import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { campaignProgress, reviewItems } from '../governance/index.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { startMuster } from './context.ts';
import { seedDemoAgency } from './demo-seed.ts';

test('the demo agency comes with an open certification campaign of the operators’ roles, reviewed by their managers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-demo-seed-'));
  const muster = await startMuster(loadConfig({ env: {}, overrides: { dataDir: dir, workers: { enabled: false } } }), {
    store: await pgliteFactory.open(),
    clock: new ManualClock('2026-03-02T09:00:00Z'),
  });
  try {
    const seed = await seedDemoAgency(muster, 'test', 'demo');
    const { campaign, progress } = await campaignProgress(muster, seed.campaignId as string);
    assert.equal(campaign.status, 'open');
    assert.equal(campaign.dueAt, '2026-03-16T09:00:00.000Z');
    const items = await reviewItems(muster, { campaignId: campaign.id });
    assert.ok(items.length > 0 && items.every((i) => i.kind === 'role'), JSON.stringify(items.slice(0, 2)));
    assert.ok(
      progress.some((p) => p.reviewer_id !== null),
      'managers review',
    );
  } finally {
    await muster.close();
    await rm(dir, { recursive: true, force: true });
  }
});
