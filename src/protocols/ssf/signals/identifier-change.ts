import { randomUUID } from 'node:crypto';
import { MusterError } from '../../../core/errors.ts';
import { issSub } from '../set.ts';
import type { Tx } from '../../../store/store.ts';
import { agreementOfClient } from '../../../federation/agreements.ts';
import { type RpSubject, rpSubjectsOf } from '../../../federation/rp-subjects.ts';
import { replaceSubjectSecret, sectorOf, subjectFor } from '../../../federation/subjects.ts';
import type { SignalDeps } from './deps.ts';
import { type QueueContext, type QueuedSet, queueSignals } from './queue.ts';

export interface IdentifierChange {
  readonly clientId: string;
  readonly oldSub: string;
  readonly newSub: string;
}

export interface IdentifierChangeResult {
  readonly identityId: string;
  readonly changed: readonly IdentifierChange[];
  /** RPs whose sector could not be worked out (no agreement entry or registration left): their old identifier stays on record. */
  readonly unresolved: readonly string[];
  readonly queued: readonly QueuedSet[];
}

/**
 * The federated-identifier change (SP 800-217 §3.4, §5.3): the identity's subject secret is replaced, so every RP
 * sees a new pairwise identifier; each RP that knows the identity is recorded under its new one and is sent the
 * private federated-identifier-changed event (subject: the old identifier, `new_sub_id`: the new one) when its
 * agreement lists it. One transaction, audited.
 */
export async function changeFederatedIdentifier(deps: SignalDeps, identityId: string, actor: string, reason: string, correlationId: string = randomUUID()): Promise<IdentifierChangeResult> {
  if (!reason.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a federated-identifier change needs a reason', [{ field: 'reason', message: 'required' }]);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    await lockIdentity(tx, identityId);
    const known = await rpSubjectsOf(tx, identityId);
    const { current } = await replaceSubjectSecret(tx, identityId, now);
    const changed: IdentifierChange[] = [];
    const unresolved: string[] = [];
    for (const rp of known) {
      const sector = await sectorOfClient(tx, rp.clientId);
      if (sector === undefined) {
        unresolved.push(rp.clientId);
        continue;
      }
      const newSub = subjectFor(current, sector);
      await tx.query('UPDATE federation_rp_subjects SET sub = $3, host_sector = false WHERE identity_id = $1 AND client_id = $2', [identityId, rp.clientId, newSub]);
      changed.push({ clientId: rp.clientId, oldSub: rp.sub, newSub });
    }
    const queued = await queueChange(tx, { issuer: deps.issuer(), vault: deps.vault, now, txn: correlationId }, identityId, known, changed);
    await deps.audit.append(
      tx,
      [
        {
          actor,
          action: 'federation.identifier_changed',
          target: identityId,
          reason,
          data: {
            relying_parties: changed.map((c) => ({ client_id: c.clientId, old_sub: c.oldSub, new_sub: c.newSub })),
            unresolved,
            sets: queued.map((q) => ({ client_id: q.clientId, jti: q.jti })),
          },
        },
      ],
      correlationId,
    );
    return { identityId, changed, unresolved, queued };
  });
}

async function queueChange(tx: Tx, ctx: QueueContext, identityId: string, known: readonly RpSubject[], changed: readonly IdentifierChange[]): Promise<QueuedSet[]> {
  const { issuer } = ctx;
  const newSubs = new Map(changed.map((c) => [c.clientId, c.newSub]));
  const rps = known.filter((rp) => newSubs.has(rp.clientId));
  return queueSignals(
    tx,
    ctx,
    identityId,
    [
      {
        signal: 'federated-identifier-changed',
        payload: {},
        payloadFor: (rp) => ({ new_sub_id: issSub(issuer, newSubs.get(rp.clientId) as string) }),
      },
    ],
    rps,
  );
}

async function lockIdentity(tx: Tx, identityId: string): Promise<void> {
  const found = /^[0-9a-f-]{36}$/i.test(identityId) ? await tx.query('SELECT id FROM identities WHERE id = $1 FOR UPDATE', [identityId]) : [];
  if (found.length === 0) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${identityId}`, [{ field: 'identity', value: identityId, message: 'not found' }]);
}

/** The RP's pairwise sector: from its agreement entry, or for a dynamic registration from its registered metadata. */
async function sectorOfClient(tx: Tx, clientId: string): Promise<string | undefined> {
  const client = await agreementOfClient(tx, clientId);
  if (client?.rp) return sectorOf(clientId, client.rp.sectorIdentifierUri);
  const [registered] = await tx.query<{ payload: { sector_identifier_uri?: string } }>("SELECT payload FROM oidc_payloads WHERE model = 'Client' AND id = $1", [clientId]);
  if (!registered) return undefined;
  return sectorOf(clientId, registered.payload.sector_identifier_uri);
}
