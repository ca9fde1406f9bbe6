import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { pgliteFactory } from '../../test/support/stores.ts';
import { identityByKey } from '../lifecycle/test-fixtures.ts';
import { upsertPayload } from '../protocols/oidc/adapter.ts';
import { loginOfSession, saveLogin } from '../protocols/oidc/login-record.ts';
import { endIdentitySessions } from './federation.ts';

describe("ending an identity's OP sessions", () => {
  const h = useHarness(pgliteFactory);
  const ids: Record<string, string> = {};

  before(async () => {
    const run = await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1'), hrLine('E2')])), actor: 'hr.admin' });
    assert.equal(run.status, 'applied');
    for (const key of ['E1', 'E2']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
  });

  test("deletes the identity's sessions, grants, codes and tokens and ends its sign-ins; others are untouched", async () => {
    const later = new Date(h.clock.now().getTime() + 3_600_000);
    for (const [model, id, who] of [
      ['Session', 's1', 'E1'],
      ['Grant', 'g1', 'E1'],
      ['AccessToken', 'a1', 'E1'],
      ['AuthorizationCode', 'c1', 'E1'],
      ['Session', 's2', 'E2'],
    ] as const) {
      await upsertPayload(h.store, model, id, { accountId: ids[who] as string }, later);
    }
    for (const [uid, who] of [
      ['u1', 'E1'],
      ['u2', 'E2'],
    ] as const) {
      await saveLogin(h.store, {
        sessionUid: uid,
        identityId: ids[who] as string,
        credentialId: 'c',
        credentialType: 'piv_card',
        aal: 'aal3',
        amr: ['sc'],
        certThumbprint: null,
        authTime: h.clock.now(),
      });
    }
    assert.deepEqual(await endIdentitySessions(h.store, ids.E1 as string, h.clock.now()), ['u1']);
    const left = await h.store.query<{ id: string }>('SELECT id FROM oidc_payloads ORDER BY id');
    assert.deepEqual(
      left.map((r) => r.id),
      ['s2'],
    );
    assert.ok((await loginOfSession(h.store, 'u1'))?.endedAt);
    assert.equal((await loginOfSession(h.store, 'u2'))?.endedAt, null);
    assert.deepEqual(await endIdentitySessions(h.store, ids.E1 as string, h.clock.now()), [], 'a second run finds nothing');
  });
});
