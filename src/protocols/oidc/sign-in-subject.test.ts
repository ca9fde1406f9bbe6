import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachStore } from '../../../test/support/stores.ts';
import type { Store } from '../../store/store.ts';

describeEachStore('session subject look-ups', (factory) => {
  let store: Store;
  before(async () => {
    store = await factory.open();
  });
  after(() => store.close());

  it("find the sign-in's credential through an index on its id as text, not by reading every credential", async () => {
    const plan = await store.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT k.status FROM oidc_logins l LEFT JOIN credentials k ON k.id::text = l.credential_id WHERE l.session_uid = $1`, ['session-1']);
    });
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(text, /credentials_id_text/, text);
    assert.doesNotMatch(text, /Seq Scan on credentials/, text);
  });
});
