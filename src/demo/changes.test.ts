import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDemoAgency, type DemoOptions, type ExpectedChanges } from './index.ts';
import { byId, readCsv, withTempDir } from './test-support.ts';

type Row = Record<string, string>;
interface Pair {
  readonly before: Map<string, Row>;
  readonly after: Map<string, Row>;
  readonly expected: ExpectedChanges;
  readonly rows: number;
}

/** Writes day - 1 and day into one temp folder and reads both HR files back. */
async function twoDays(options: DemoOptions & { day: number }): Promise<Pair> {
  return withTempDir(async (dir) => {
    const first = await writeDemoAgency(join(dir, 'before'), { ...options, day: options.day - 1 }, 'csv');
    const second = await writeDemoAgency(join(dir, 'after'), options, 'csv');
    const before = byId((await readCsv(first.files.hr)).rows);
    const after = byId((await readCsv(second.files.hr)).rows);
    return { before, after, expected: second.manifest.expected, rows: second.manifest.counts.hr };
  });
}

function rowOf(map: Map<string, Row>, id: string): Row {
  const row = map.get(id);
  assert.ok(row, `${id} is missing`);
  return row;
}

function checkStatusChange(pair: Pair, ids: readonly string[], from: string, to: string): void {
  for (const id of ids) {
    assert.equal(rowOf(pair.before, id).status, from, `${id} before`);
    assert.equal(rowOf(pair.after, id).status, to, `${id} after`);
  }
}

function checkMovers(pair: Pair): void {
  for (const id of pair.expected.movers) {
    const [a, b] = [rowOf(pair.before, id), rowOf(pair.after, id)];
    assert.equal(a.status, 'active');
    assert.equal(b.status, 'active');
    const moved = ['department', 'job_title', 'location'].some((column) => a[column] !== b[column]);
    assert.ok(moved, `${id} is listed as a mover but kept department, title and location`);
    if (a.department !== b.department) assert.notEqual(a.manager, b.manager, `${id} changed department but kept its manager`);
  }
}

function checkJoinersAndDropouts(pair: Pair): void {
  const added = [...pair.after.keys()].filter((id) => !pair.before.has(id));
  assert.deepEqual(added, pair.expected.joiners);
  for (const id of added) assert.equal(rowOf(pair.after, id).status, 'active');
  for (const id of pair.before.keys()) {
    if (!pair.after.has(id)) assert.equal(rowOf(pair.before, id).status, 'terminated', `${id} dropped out while not terminated`);
  }
}

/** Every row that is in both files and differs is listed, and every listed row differs. */
function checkNothingElseChanged(pair: Pair): void {
  const { joiners, ...changed } = pair.expected;
  const listed = Object.values(changed).flat();
  assert.equal(new Set(listed).size, listed.length, 'a person is listed under two changes');
  const set = new Set(listed);
  for (const [id, row] of pair.after) {
    const old = pair.before.get(id);
    if (!old) continue;
    if (set.has(id)) assert.notDeepEqual(row, old, `${id} is listed but did not change`);
    else assert.deepEqual(row, old, `${id} changed without being listed`);
  }
  assert.ok(joiners.every((id) => !set.has(id)));
}

function checkAll(pair: Pair): void {
  checkStatusChange(pair, pair.expected.leavers, 'active', 'terminated');
  checkStatusChange(pair, pair.expected.leave, 'active', 'leave');
  checkStatusChange(pair, pair.expected.returns, 'leave', 'active');
  checkStatusChange(pair, pair.expected.rehires, 'terminated', 'active');
  for (const id of pair.expected.leave) assert.match(rowOf(pair.after, id).leave_type ?? '', /^(medical|military|parental|administrative)$/);
  for (const id of pair.expected.returns) assert.equal(rowOf(pair.after, id).leave_type, '');
  checkMovers(pair);
  checkJoinersAndDropouts(pair);
  checkNothingElseChanged(pair);
}

describe('demo agency daily changes', () => {
  it('lists no changes on day 0', async () => {
    const { manifest } = await withTempDir((dir) => writeDemoAgency(dir, { seed: 3, people: 200 }, 'csv'));
    assert.deepEqual(manifest.expected, { joiners: [], movers: [], leavers: [], leave: [], returns: [], rehires: [] });
  });

  it('matches the day-0 and day-1 files at the default rate, about 2% of rows', async () => {
    const pair = await twoDays({ seed: 11, people: 5000, day: 1 });
    checkAll(pair);
    const changed = Object.values(pair.expected).flat().length;
    assert.ok(changed > 0.012 * pair.rows && changed < 0.03 * pair.rows, `${changed} of ${pair.rows} rows changed`);
  });

  it('matches every kind of change, rehires included, a few days in at a higher rate', async () => {
    const pair = await twoDays({ seed: 12, people: 5000, day: 6, changeRate: 0.08 });
    for (const [kind, ids] of Object.entries(pair.expected)) assert.ok(ids.length > 0, `no ${kind} on day 6`);
    checkAll(pair);
  });

  it('keeps a leaver for the retention period, then drops them', async () => {
    const options = { seed: 13, people: 3000, retentionDays: 3, rates: { rehire: 0 } };
    const leavers = (await twoDays({ ...options, day: 2 })).expected.leavers;
    const later = await twoDays({ ...options, day: 5 });
    assert.ok(leavers.length > 0);
    for (const id of leavers) {
      assert.equal(rowOf(later.before, id).status, 'terminated', `${id} on day 4`);
      assert.equal(later.after.has(id), false, `${id} still listed on day 5`);
    }
  });

  it('rehires only people still in the extract, so nobody reappears unlisted', async () => {
    const pair = await twoDays({ seed: 15, people: 2000, day: 8, retentionDays: 2, rates: { leaver: 0.05, rehire: 0.3 } });
    assert.ok(pair.expected.rehires.length > 0);
    checkAll(pair);
  });

  it('changes nothing at changeRate 0 but still ages terminated rows out', async () => {
    const pair = await twoDays({ seed: 14, people: 1000, day: 1, changeRate: 0 });
    assert.deepEqual(Object.values(pair.expected).flat(), []);
    checkAll(pair);
  });
});
