import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScimResponse } from './client.ts';
import { anyUserName, KEYS_PER_LOOKUP, UserLookups } from './lookups.ts';

/** A service holding these userNames: answers `userName eq` filters joined by `or`, or refuses them (`refuse`), paging at `page`. */
function service(names: readonly string[], options: { refuse?: boolean; page?: number } = {}) {
  const asked: string[] = [];
  const get = async (query: Record<string, string | number>): Promise<ScimResponse> => {
    const filter = String(query.filter);
    asked.push(filter);
    if (options.refuse && filter.includes(' or ')) return { status: 400, body: { scimType: 'invalidFilter' }, etag: null };
    const wanted = [...filter.matchAll(/userName eq "([^"]*)"/g)].map((m) => (m[1] as string).toLowerCase());
    const found = names.filter((n) => wanted.includes(n.toLowerCase())).map((n) => ({ id: `id-${n}`, userName: n }));
    return { status: 200, body: { totalResults: found.length, Resources: found.slice(0, options.page ?? found.length) }, etag: null };
  };
  return { asked, get };
}

describe('SCIM look-ups by userName', () => {
  it('asks alone until told to combine', async () => {
    const s = service(['ann']);
    const lookups = new UserLookups(s.get);
    assert.deepEqual(await Promise.all([lookups.find('ann'), lookups.find('bob')]), [[{ id: 'id-ann', userName: 'ann' }], []]);
    assert.deepEqual(s.asked, ['userName eq "ann"', 'userName eq "bob"']);
  });

  it('sends the look-ups made at once in GETs of at most KEYS_PER_LOOKUP userNames, each answered with its own Users', async () => {
    const names = Array.from({ length: KEYS_PER_LOOKUP + 5 }, (_, i) => `u${i}`);
    const s = service(names.filter((_, i) => i % 2 === 0).map((n) => n.toUpperCase()));
    const lookups = new UserLookups(s.get);
    lookups.combine(true);
    const found = await Promise.all(names.map((n) => lookups.find(n)));
    assert.equal(s.asked.length, 2);
    assert.equal(s.asked[0], anyUserName(names.slice(0, KEYS_PER_LOOKUP)));
    assert.deepEqual(
      found.map((users) => users.map((u) => u.userName)),
      names.map((n, i) => (i % 2 === 0 ? [n.toUpperCase()] : [])),
    );
  });

  it('asks alone for a key a partial answer left out, and for every key once the service refuses the combined filter', async () => {
    const paged = service(['a', 'b', 'c'], { page: 2 });
    const lookups = new UserLookups(paged.get);
    lookups.combine(true);
    assert.deepEqual(
      (await Promise.all(['a', 'b', 'c'].map((k) => lookups.find(k)))).map((u) => u.length),
      [1, 1, 1],
    );
    assert.deepEqual(paged.asked.slice(1), ['userName eq "c"']);

    const refusing = service(['a', 'b'], { refuse: true });
    const alone = new UserLookups(refusing.get);
    alone.combine(true);
    assert.deepEqual(
      (await Promise.all(['a', 'b'].map((k) => alone.find(k)))).map((u) => u.length),
      [1, 1],
    );
    assert.deepEqual(
      (await Promise.all(['a', 'b'].map((k) => alone.find(k)))).map((u) => u.length),
      [1, 1],
    );
    assert.deepEqual(refusing.asked, ['userName eq "a" or userName eq "b"', 'userName eq "a"', 'userName eq "b"', 'userName eq "a"', 'userName eq "b"']);
  });
});
