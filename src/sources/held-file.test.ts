import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { access, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { Scheduler } from '../queue/scheduler.ts';
import { getRun } from './runs.ts';
import { scheduleHeldImportExpiry } from '../runtime/held-imports.ts';

describeEachStore('the file of a held snapshot', (factory) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'muster-held-'));
  const h = useHarness(factory, { dataDir, import: { massChangeShare: 0.5 } });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('is kept, private, while the run is held, refused to its uploader, and removed once another confirms it and it is applied', async () => {
    const day0 = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((id) => hrLine(id)))), actor: 'alice' });
    assert.equal(day0.status, 'applied');
    const held = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(held.status, 'held');
    const kept = held.filePath as string;
    assert.equal(kept.startsWith(join(dataDir, 'imports')), true, kept);
    assert.equal((await stat(join(dataDir, 'imports'))).mode & 0o077, 0, 'the folder of kept files is private');
    await access(kept);
    await assert.rejects(h.imports.confirm(held.id, 'alice'), (e: any) => e.code === 'MUSTER_ERR_SEPARATION_OF_DUTIES' && e.details[0].field === 'second-person');
    const [refusal] = await h.store.query<{ actor: string; data: { uploaded_by: string } }>(`SELECT actor, data FROM audit_log WHERE action = 'import.confirm_refused' AND target = $1`, [held.id]);
    assert.deepEqual([refusal?.actor, refusal?.data.uploaded_by], ['alice', 'alice'], 'the uploader cannot confirm its own held run, and the refusal is audited');
    const confirmed = await h.imports.confirm(held.id, 'carol');
    assert.equal(confirmed.status, 'applied');
    assert.deepEqual(await readdir(join(dataDir, 'imports')), [], 'the kept file is gone');
  });

  test('is removed, and the run expired and audited, when nobody confirms it within import.heldExpiryDays', async () => {
    const scheduler = new Scheduler({ clock: h.clock, store: h.store, timers: false });
    scheduleHeldImportExpiry(h.config, { store: h.store, clock: h.clock, audit: h.audit, scheduler });
    const held = await h.imports.run({ source: 'hr', file: await h.file('day2.csv', hrCsv([hrLine('E9')])), actor: 'alice' });
    assert.equal(held.status, 'held');
    await access(held.filePath as string);
    h.clock.set(new Date(h.clock.now().getTime() + 6 * 86_400_000));
    await scheduler.runDue();
    assert.equal((await getRun(h.store, held.id)).status, 'held', 'six days on, the run is still held');
    await access(held.filePath as string);
    h.clock.set(new Date(h.clock.now().getTime() + 2 * 86_400_000));
    await scheduler.runDue();
    const expired = await getRun(h.store, held.id);
    assert.equal(expired.status, 'expired');
    assert.deepEqual(await readdir(join(dataDir, 'imports')), [], 'the kept file is gone');
    const audited = await h.store.query<{ target: string; reason: string }>(`SELECT target, reason FROM audit_log WHERE action = 'import.expired'`);
    assert.deepEqual(
      audited.map((a) => a.target),
      [held.id],
    );
    assert.match(audited[0]?.reason ?? '', /import\.heldExpiryDays/);
    await assert.rejects(h.imports.confirm(held.id, 'carol'), /expired; only a held run can be confirmed/);
    await scheduler.stop();
  });
});
