import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberBatcher, type MemberOperation } from './member-batch.ts';

describe('group member changes gathered per group', () => {
  it('sends the members that wait behind a modify in flight together, per group and operation', async () => {
    const sent: [string, MemberOperation, string[]][] = [];
    let release: () => void = () => {};
    const first = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MemberBatcher(async (group, operation, ids) => {
      sent.push([group, operation, [...ids]]);
      if (sent.length === 1) await first;
    });
    const calls = [batcher.change('cn=staff', 'delete', 'uid=a'), batcher.change('cn=staff', 'delete', 'uid=b'), batcher.change('cn=ops', 'delete', 'uid=c')];
    await new Promise((resolve) => setImmediate(resolve));
    // the first modify of cn=staff is in flight: these wait for it, and go out together after it
    calls.push(batcher.change('cn=staff', 'delete', 'uid=d'), batcher.change('cn=staff', 'delete', 'uid=e'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 2);
    release();
    assert.deepEqual(await Promise.all(calls), [true, true, true, true, true]);
    assert.deepEqual(sent, [
      ['cn=staff', 'delete', ['uid=a', 'uid=b']],
      ['cn=ops', 'delete', ['uid=c']],
      ['cn=staff', 'delete', ['uid=d', 'uid=e']],
    ]);
  });

  it('gives a failed combined change back to each caller, to make alone', async () => {
    const batcher = new MemberBatcher(async () => {
      throw new Error('typeOrValueExists');
    });
    assert.deepEqual(await Promise.all([batcher.change('cn=staff', 'add', 'uid=a'), batcher.change('cn=staff', 'add', 'uid=b')]), [false, false]);
  });
});
