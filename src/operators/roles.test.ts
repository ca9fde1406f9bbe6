import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { generateSigningKeyPem, signerFromPem } from '../audit/checkpoint.ts';
import { listAuditEntries } from '../audit/queries.ts';
import { AuditWriter } from '../audit/writer.ts';
import { ManualClock } from '../core/clock.ts';
import { isMusterError } from '../core/errors.ts';
import { identityView } from '../mur/identity-repository.ts';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { OperatorPrincipal } from './principal.ts';
import { bootstrapOperator, grantRole, listOperators, revokeRole } from './roles.ts';
import { authenticate, type OperatorDeps } from './tokens.ts';

const code = (expected: string) => (error: unknown) => isMusterError(error) && error.code === expected;

describeEachStore('operator roles', (factory) => {
  let store: Store;
  let deps: OperatorDeps;
  let admin: OperatorPrincipal;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const audit = new AuditWriter({ clock, signer: signerFromPem(generateSigningKeyPem()), checkpointInterval: 100 });

  async function identity(kind = 'person', status = 'active'): Promise<string> {
    const id = randomUUID();
    const now = clock.now();
    await store.db.insertInto('identities').values({ id, kind, status, last_updated: now, created_at: now, updated_at: now }).execute();
    return id;
  }

  before(async () => {
    store = await factory.open();
    deps = { store, audit, clock, tokens: { defaultDays: 90, maxDays: 365 } };
  });
  after(() => store.close());

  it('bootstraps the first operator (a person) once: roles granted, a token issued, all audited; never again', async () => {
    const npe = await identity('npe');
    await assert.rejects(bootstrapOperator(deps, { identityId: npe, roles: ['operator-admin'] }, 'cli:root', 'boot-0'), /the first operator must be a person/);
    const boss = await identity();
    const created = await bootstrapOperator(deps, { identityId: boss, roles: ['operator-admin'] }, 'cli:root', 'boot-1');
    const principal = await authenticate(store, clock, created.token);
    assert.deepEqual(principal?.roles, ['operator-admin']);
    admin = principal as OperatorPrincipal;
    const actions = (await listAuditEntries(store, { correlationId: 'boot-1' })).map((e) => [e.action, e.actor]).reverse();
    assert.deepEqual(actions, [
      ['operator.role_granted', 'cli:root'],
      ['operator.bootstrapped', 'cli:root'],
      ['token.created', 'cli:root'],
    ]);
    await assert.rejects(bootstrapOperator(deps, { identityId: await identity(), roles: ['auditor'] }, 'cli:root', 'boot-2'), code('MUSTER_ERR_CONFLICT'));
  });

  it('grants a role as an operator-admin, audited with the reason; never to itself, twice, or to an identity not active', async () => {
    const clerk = await identity();
    await grantRole(deps, admin, { identityId: clerk, role: 'source-feed:hr', reason: 'the HR system' }, 'grant-1');
    const [entry] = await listAuditEntries(store, { correlationId: 'grant-1' });
    assert.deepEqual([entry?.action, entry?.actor, entry?.target, entry?.reason, entry?.data.role], ['operator.role_granted', admin.actor, clerk, 'the HR system', 'source-feed:hr']);
    await assert.rejects(grantRole(deps, admin, { identityId: clerk, role: 'source-feed:hr', reason: 'again' }), code('MUSTER_ERR_CONFLICT'));
    await assert.rejects(
      grantRole(deps, admin, { identityId: admin.identityId, role: 'auditor', reason: 'me' }),
      (e: unknown) => code('MUSTER_ERR_FORBIDDEN')(e) && /cannot grant a role to itself/.test(String(e)),
    );
    await assert.rejects(grantRole(deps, admin, { identityId: clerk, role: 'root', reason: 'x' }), code('MUSTER_ERR_VALIDATION'));
    await assert.rejects(grantRole(deps, admin, { identityId: clerk, role: 'auditor', reason: ' ' }), (e: unknown) => code('MUSTER_ERR_VALIDATION')(e) && /reason/.test(String(e)));
    await assert.rejects(grantRole(deps, admin, { identityId: await identity('person', 'terminated'), role: 'auditor', reason: 'x' }), code('MUSTER_ERR_CONFLICT'));
    await assert.rejects(grantRole(deps, { ...admin, roles: ['auditor'] }, { identityId: clerk, role: 'auditor', reason: 'x' }), code('MUSTER_ERR_FORBIDDEN'));
  });

  it('revokes a role, audited; listing shows who holds what now', async () => {
    const [clerk] = (await listOperators(deps)).filter((o) => o.identityId !== admin.identityId).map((o) => o.identityId);
    await revokeRole(deps, admin, { identityId: clerk as string, role: 'source-feed:hr', reason: 'system retired' }, 'revoke-1');
    assert.equal((await listAuditEntries(store, { correlationId: 'revoke-1' }))[0]?.action, 'operator.role_revoked');
    await assert.rejects(revokeRole(deps, admin, { identityId: clerk as string, role: 'source-feed:hr', reason: 'again' }), code('MUSTER_ERR_NOT_FOUND'));
    assert.deepEqual(
      (await listOperators(deps)).map((o) => [o.identityId, o.roles.map((r) => r.role)]),
      [[admin.identityId, ['operator-admin']]],
    );
    const view = await identityView(store, clerk as string);
    assert.deepEqual(
      view.operatorRoles.map((r) => [r.role, r.grantedBy, r.reason, r.revokedBy, r.revokeReason]),
      [['source-feed:hr', admin.actor, 'the HR system', admin.actor, 'system retired']],
    );
  });
});
