import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDemoAgency, writeTruncated } from './index.ts';
import { withTempDir } from './test-support.ts';

describe('writeTruncated', () => {
  it('keeps the header and the first share of data lines of a CSV extract', async () => {
    await withTempDir(async (dir) => {
      const { files } = await writeDemoAgency(dir, { seed: 1, people: 3000 }, 'csv');
      const target = join(dir, 'short.csv');
      const kept = await writeTruncated(files.hr, target, 0.6);
      const source = (await readFile(files.hr, 'utf8')).split('\n');
      const short = (await readFile(target, 'utf8')).split('\n');
      assert.equal(kept, 1800);
      assert.equal(short[0], source[0]);
      assert.deepEqual(short, [...source.slice(0, 1 + kept), '']);
    });
  });

  it('keeps only the header at 0 and everything at 1', async () => {
    await withTempDir(async (dir) => {
      const { files } = await writeDemoAgency(dir, { seed: 2, people: 500 }, 'csv');
      const none = join(dir, 'none.csv');
      const all = join(dir, 'all.csv');
      assert.equal(await writeTruncated(files.vetting, none, 0), 0);
      assert.equal(await readFile(none, 'utf8'), 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting\n');
      const lines = (await readFile(files.vetting, 'utf8')).split('\n').length - 2;
      assert.equal(await writeTruncated(files.vetting, all, 1), lines);
      assert.equal(await readFile(all, 'utf8'), await readFile(files.vetting, 'utf8'));
    });
  });

  it('treats JSON Lines as all data and handles a last line without a line end', async () => {
    await withTempDir(async (dir) => {
      const source = join(dir, 'x.jsonl');
      const target = join(dir, 'y.jsonl');
      await writeFile(source, '{"a":"1"}\n{"a":"2"}\n{"a":"3"}\n{"a":"4"}');
      assert.equal(await writeTruncated(source, target, 0.5), 2);
      assert.equal(await readFile(target, 'utf8'), '{"a":"1"}\n{"a":"2"}\n');
      assert.equal(await writeTruncated(source, target, 1), 4);
      assert.equal(await readFile(target, 'utf8'), '{"a":"1"}\n{"a":"2"}\n{"a":"3"}\n{"a":"4"}');
    });
  });

  it('refuses a share outside 0..1', async () => {
    await assert.rejects(writeTruncated('/nonexistent', '/nonexistent2', 1.5), /keepShare/);
    await assert.rejects(writeTruncated('/nonexistent', '/nonexistent2', Number.NaN), /keepShare/);
  });
});
