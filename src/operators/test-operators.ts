import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { insertGrant } from './role-repository.ts';
import { issueToken } from './tokens.ts';

export interface TestOperator {
  readonly identityId: string;
  readonly tokenId: string;
  /** The bearer secret. */
  readonly token: string;
  /** `Authorization` header value. */
  readonly bearer: string;
  readonly actor: string;
}

export interface TestOperatorOptions {
  /** An identity to make the operator; a new active person when unset. */
  readonly identityId?: string;
  readonly expires?: string;
  readonly name?: string;
}

/**
 * Tests only: an operator holding `roles` (granted by `test:setup`, audited) and a token with them.
 * A new active person is added to the MUR unless `identityId` names one.
 */
export async function testOperator(deps: { store: Store; audit: AuditWriter; clock: Clock }, roles: readonly string[], options: TestOperatorOptions = {}): Promise<TestOperator> {
  const now = deps.clock.now();
  const created = await deps.store.transaction(async (tx) => {
    const identityId = options.identityId ?? randomUUID();
    if (!options.identityId) await tx.db.insertInto('identities').values({ id: identityId, kind: 'person', status: 'active', last_updated: now, created_at: now, updated_at: now }).execute();
    for (const role of roles) await insertGrant(tx, { id: randomUUID(), identityId, role, reason: 'test', grantedBy: 'test:setup', grantedAt: now });
    const tokens = { defaultDays: 90, maxDays: 3650 };
    return issueToken(tx, { ...deps, tokens }, { identityId, roles, expires: options.expires, name: options.name ?? `test ${roles.join(',')}` }, 'test:setup', randomUUID());
  });
  return { identityId: created.identityId, tokenId: created.id, token: created.token, bearer: `Bearer ${created.token}`, actor: `operator:${created.identityId}` };
}
