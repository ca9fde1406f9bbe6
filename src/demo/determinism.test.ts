import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hrRows, writeDemoAgency, type DemoOptions } from './index.ts';
import { readCsv, withTempDir } from './test-support.ts';

const FILES = ['hr', 'npe', 'vetting', 'training'] as const;

async function snapshot(dir: string, options: DemoOptions, format: 'csv' | 'jsonl'): Promise<Record<string, string>> {
  const { files } = await writeDemoAgency(dir, options, format);
  const out: Record<string, string> = { manifest: await readFile(join(dir, 'manifest.json'), 'utf8') };
  for (const kind of FILES) out[kind] = await readFile(files[kind], 'utf8');
  return out;
}

describe('demo agency determinism', () => {
  for (const format of ['csv', 'jsonl'] as const) {
    it(`writes byte-identical ${format} files for the same options`, async () => {
      const options = { seed: 42, people: 1500, day: 3 };
      const [a, b] = await withTempDir(async (dir) => [await snapshot(join(dir, 'a'), options, format), await snapshot(join(dir, 'b'), options, format)]);
      for (const kind of [...FILES, 'manifest']) assert.equal(a[kind], b[kind], `${kind} differs between runs`);
      assert.ok((a.hr ?? '').length > 100_000);
    });
  }

  it('writes different files for a different seed', async () => {
    await withTempDir(async (dir) => {
      const a = await snapshot(join(dir, 'a'), { seed: 1, people: 500 }, 'csv');
      const b = await snapshot(join(dir, 'b'), { seed: 2, people: 500 }, 'csv');
      for (const kind of FILES) assert.notEqual(a[kind], b[kind], `${kind} is the same for seeds 1 and 2`);
    });
  });

  it('streams the same HR rows as the file holds', async () => {
    const options = { seed: 9, people: 800, day: 4 };
    const { rows } = await withTempDir(async (dir) => readCsv((await writeDemoAgency(dir, options, 'csv')).files.hr));
    assert.deepEqual([...hrRows(options)], rows);
  });

  it('computes a person independently of the population size on day 0', () => {
    const small = [...hrRows({ seed: 5, people: 300 })];
    const large = [...hrRows({ seed: 5, people: 600 })].slice(0, 300);
    assert.deepEqual(large, small);
  });

  it('refuses bad options when called, before any row', () => {
    assert.throws(() => hrRows({ seed: 1.5, people: 10 }), /seed/);
    assert.throws(() => hrRows({ seed: 1, people: 0 }), /people/);
    assert.throws(() => hrRows({ seed: 1, people: 10, startDate: '2026-02-30' }), /startDate/);
    assert.throws(() => hrRows({ seed: 1, people: 10, agencyCode: '97' }), /agencyCode/);
    assert.throws(() => hrRows({ seed: 1, people: 10, rates: { leaver: 2 } }), /rates.leaver/);
  });
});
