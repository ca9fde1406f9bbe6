import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { describeEachStore } from '../../../test/support/stores.ts';
import type { Store } from '../../store/store.ts';
import { withLinks } from './payload-repository.ts';

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

  it("reads a token's grant and session by their keys, one index probe each, also in the plan kept for any token", async () => {
    const plan = await store.transaction(async (tx) => {
      await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${withLinks('AccessToken', 'token-1', new Date())}`.execute(tx.db);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /\(model = 'Grant'::text\) AND \(id = /, plan);
    assert.match(plan, /\(model = 'Session'::text\) AND \(uid = /, plan);
    assert.doesNotMatch(plan, /Join Filter/, plan);
  });
});
