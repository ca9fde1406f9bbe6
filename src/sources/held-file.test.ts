import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { access, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';

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
});
