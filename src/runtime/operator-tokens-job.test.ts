import assert from 'node:assert/strict';
import { it } from 'node:test';
import { useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { listAuditEntries } from '../audit/queries.ts';
import type { Job } from '../lifecycle/jobs.ts';
import { ConsoleSessions } from '../operators/console-sessions.ts';
import { testOperator } from '../operators/test-operators.ts';
import { OPERATOR_TOKENS_REVOKE_JOB, handleOperatorTokensRevoke } from './operator-tokens-job.ts';

const RECORD = { issuer: 'http://localhost/oidc', state: 's', nonce: 'n', codeVerifier: 'v', maxAge: 60, createdAt: 0 };

describeEachStore('the job that ends an operator on a leaver, hold or suspension', (factory) => {
  const h = useHarness(factory);

  it('revokes the tokens and ends the console sessions, one entry each; a second run finds nothing', async () => {
    const operator = await testOperator(h, ['security-officer']);
    const sessions = new ConsoleSessions(h);
    const opened = await sessions.open(await sessions.beginSignIn(RECORD), { identityId: operator.identityId, authTime: h.clock.now(), acr: 'a', idToken: 't' }, 'corr-open');
    assert.ok(opened.ok);
    const job = { id: 7, kind: OPERATOR_TOKENS_REVOKE_JOB, eventId: 42, payload: { identityId: operator.identityId } } as unknown as Job;
    const ctx = { clock: h.clock, audit: h.audit, now: h.clock.now(), correlationId: 'corr-leaver', workerId: 'w' };
    await h.store.transaction((tx) => handleOperatorTokensRevoke(job, tx, ctx));
    const entries = await listAuditEntries(h.store, { correlationId: 'corr-leaver' });
    assert.deepEqual(entries.map((e) => [e.action, e.actor]).sort(), [
      ['console.session.ended', 'muster:lifecycle'],
      ['token.revoked', 'muster:lifecycle'],
    ]);
    assert.deepEqual(await sessions.check(opened.secret, 'c'), { ok: false, reason: 'ended' });
    await h.store.transaction((tx) => handleOperatorTokensRevoke(job, tx, { ...ctx, correlationId: 'corr-again' }));
    assert.deepEqual(await listAuditEntries(h.store, { correlationId: 'corr-again' }), []);
  });
});
