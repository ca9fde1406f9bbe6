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

  test('is kept, private, while the run is held, and removed once the run is confirmed and applied', async () => {
    const day0 = await h.imports.run({ source: 'hr', file: await h.file('day0.csv', hrCsv(['E1', 'E2', 'E3', 'E4'].map((id) => hrLine(id)))), actor: 'alice' });
    assert.equal(day0.status, 'applied');
    const held = await h.imports.run({ source: 'hr', file: await h.file('day1.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(held.status, 'held');
    const kept = held.filePath as string;
    assert.equal(kept.startsWith(join(dataDir, 'imports')), true, kept);
    assert.equal((await stat(join(dataDir, 'imports'))).mode & 0o077, 0, 'the folder of kept files is private');
    await access(kept);
    const confirmed = await h.imports.confirm(held.id, 'carol');
    assert.equal(confirmed.status, 'applied');
    assert.deepEqual(await readdir(join(dataDir, 'imports')), [], 'the kept file is gone');
  });
});
