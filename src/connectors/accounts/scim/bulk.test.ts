import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BulkCall, bulkAnswers, bulkLimits, bulkOperation, chunkCalls } from './bulk.ts';

const call = (id: string, size = 0) => ({ method: 'PATCH', path: `/Users/${id}`, body: { pad: 'x'.repeat(size) } });

describe('SCIM /Bulk', () => {
  it('reads the limits a ServiceProviderConfig advertises, and none when it does not support /Bulk', () => {
    assert.deepEqual(bulkLimits({ bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 } }), { maxOperations: 1000, maxPayloadSize: 1_048_576 });
    assert.equal(bulkLimits({ bulk: { supported: false, maxOperations: 1000, maxPayloadSize: 1_048_576 } }), null);
    assert.equal(bulkLimits({ bulk: { supported: true, maxOperations: 1, maxPayloadSize: 1_048_576 } }), null, 'one operation a request is no bulk');
    assert.equal(bulkLimits({ bulk: { supported: true } }), null, 'no limits named');
    assert.equal(bulkLimits(null), null);
  });

  it('cuts calls into requests within maxOperations and maxPayloadSize, spread over the requests in flight', () => {
    const calls = Array.from({ length: 10 }, (_, i) => call(String(i)));
    assert.deepEqual(
      chunkCalls(calls, { maxOperations: 4, maxPayloadSize: 1_000_000 }, 1).map((c) => c.calls.length),
      [4, 4, 2],
    );
    assert.deepEqual(
      chunkCalls(calls, { maxOperations: 100, maxPayloadSize: 1_000_000 }, 5).map((c) => c.calls.length),
      [10],
      'ten or more a request',
    );
    assert.deepEqual(
      chunkCalls([...calls, ...calls, ...calls, ...calls], { maxOperations: 100, maxPayloadSize: 1_000_000 }, 2).map((c) => c.calls.length),
      [20, 20],
    );
    const bySize = chunkCalls(calls, { maxOperations: 100, maxPayloadSize: 600 }, 1);
    assert.ok(bySize.length > 1);
    assert.ok(bySize.every((c) => !c.alone && JSON.stringify(c.calls).length < 600));
    const huge = chunkCalls([call('a'), call('b', 2000), call('c')], { maxOperations: 100, maxPayloadSize: 1000 }, 1);
    assert.deepEqual(
      huge.map((c) => [c.calls.map((x) => x.path), c.alone]),
      [
        [['/Users/b'], true],
        [['/Users/a', '/Users/c'], false],
      ],
    );
  });

  it("maps each operation's answer back to its call, in order or by location when some are left out", () => {
    const calls = [call('a'), call('b')];
    const inOrder = bulkAnswers(calls, {
      Operations: [
        { method: 'PATCH', status: '204' },
        { method: 'PATCH', status: '404', response: { detail: 'gone' } },
      ],
    });
    assert.deepEqual(
      inOrder.map((a) => [a?.status, a?.body?.detail]),
      [
        [204, undefined],
        [404, 'gone'],
      ],
    );
    const partial = bulkAnswers(calls, { Operations: [{ method: 'PATCH', status: '200', location: 'https://svc.example/scim/v2/Users/b' }] });
    assert.deepEqual(
      partial.map((a) => a?.status ?? null),
      [null, 200],
    );
    assert.deepEqual(bulkAnswers(calls, null), [null, null]);
  });

  it("sends a POST with its bulkId, and finds its answer and the new resource's location by it", () => {
    const posts = ['x', 'y'].map((bulkId) => ({ method: 'POST', path: '/Users', bulkId, body: { userName: bulkId } }));
    assert.deepEqual(bulkOperation(posts[0] as BulkCall), { method: 'POST', path: '/Users', bulkId: 'x', data: { userName: 'x' } });
    const answers = bulkAnswers(posts, { Operations: [{ method: 'POST', bulkId: 'y', status: '201', location: '/scim/v2/Users/id-y' }] });
    assert.deepEqual(
      answers.map((a) => (a ? [a.status, a.location] : null)),
      [null, [201, '/scim/v2/Users/id-y']],
    );
  });
});
