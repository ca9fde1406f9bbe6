import { createHash } from 'node:crypto';
import type { EvidenceAccount, EvidenceCertificate, EvidenceCrl, EvidenceRelyingParties, EvidenceSessions } from '../../audit/evidence/bundle.ts';
import type { Connector } from '../../connectors/accounts/port.ts';
import type { Store } from '../../store/store.ts';
import { readBack } from './accounts.ts';
import type { EvidenceOcsp } from './ocsp.ts';
import { firstCrlThrough, leaverAccounts, leaverCertificates, operationsSince, opLogins, opPayloads, rpAccounts, signalsSince, ticketsSince } from './rows.ts';

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Every certificate of the person with a signed OCSP answer, and the CRLs that first list them (each CRL once). */
export async function collectCertificates(store: Store, identityId: string, ocsp: EvidenceOcsp): Promise<{ certificates: EvidenceCertificate[]; crls: EvidenceCrl[] }> {
  const crls = new Map<number, EvidenceCrl>();
  const certificates: EvidenceCertificate[] = [];
  for (const row of await leaverCertificates(store, identityId)) {
    const revokedAt = row.revoked_at === null ? null : new Date(row.revoked_at);
    const crl = row.status === 'revoked' ? await firstCrlThrough(store, row.issuer, Number(row.change_seq)) : undefined;
    if (crl && !crls.has(crl.number)) crls.set(crl.number, crlOf(crl));
    const answer = await ocsp.answer({ serial: row.serial, status: row.status, reason: row.reason, revokedAt });
    certificates.push({
      serial: row.serial,
      profile: row.profile,
      credentialId: row.credential_id,
      credentialType: row.credential_type,
      status: row.status,
      reason: row.reason,
      revokedAt: iso(revokedAt),
      certificate: b64(row.der),
      ocspResponse: b64(answer),
      crlNumber: crl?.number ?? null,
    });
  }
  return { certificates, crls: [...crls.values()].sort((a, b) => a.number - b.number) };
}

function crlOf(row: { issuer: string; number: number; this_update: Date; der: Uint8Array }): EvidenceCrl {
  const der = new Uint8Array(row.der);
  return { issuer: row.issuer, number: Number(row.number), thisUpdate: new Date(row.this_update).toISOString(), der: b64(der), sha256: createHash('sha256').update(der).digest('hex') };
}

export interface AccountSources {
  readonly connectors: ReadonlyMap<string, Connector>;
  readonly kinds: Readonly<Record<string, { readonly kind: string } | undefined>>;
  now(): Date;
}

/** Each account of the person: the operations and tickets since the event, and what its target answers now. */
export async function collectAccounts(store: Store, identityId: string, since: Date, sources: AccountSources): Promise<EvidenceAccount[]> {
  const [accounts, ops, tickets] = await Promise.all([leaverAccounts(store, identityId), operationsSince(store, identityId, since), ticketsSince(store, identityId, since)]);
  const out: EvidenceAccount[] = [];
  for (const a of accounts) {
    out.push({
      target: a.target,
      kind: sources.kinds[a.target]?.kind ?? null,
      accountRef: a.account_ref,
      remoteId: a.remote_id,
      status: a.status,
      disabledAt: iso(a.disabled_at),
      operations: ops
        .filter((o) => o.target === a.target)
        .map((o) => ({ id: Number(o.id), reason: o.reason, status: o.status, attempts: o.attempts, createdAt: iso(o.created_at) as string, doneAt: iso(o.done_at), lastError: o.last_error })),
      tickets: tickets
        .filter((t) => t.target === a.target && t.account_ref === a.account_ref)
        .map((t) => ({ id: t.id, operation: t.operation, status: t.status, outcome: t.outcome, openedAt: iso(t.opened_at) as string, closedAt: iso(t.closed_at), closedBy: t.closed_by })),
      readBack: await readBack(sources.connectors.get(a.target), a.account_ref, sources.now),
    });
  }
  return out;
}

/** The SETs sent about the person since the event, and their RP SCIM accounts. */
export async function collectRelyingParties(store: Store, identityId: string, since: Date): Promise<EvidenceRelyingParties> {
  const [signals, accounts] = await Promise.all([signalsSince(store, identityId, since), rpAccounts(store, identityId)]);
  return {
    signals: signals.map((s) => ({
      jti: s.jti,
      clientId: s.client_id,
      eventType: s.event_type,
      setJwt: s.set_jwt,
      state: s.state,
      attempts: s.attempts,
      createdAt: iso(s.created_at) as string,
      deliveredAt: iso(s.delivered_at),
      lastError: s.last_error,
    })),
    provisioning: accounts.map((r) => ({ clientId: r.client_id, state: r.state, remoteId: r.remote_id, syncedAt: iso(r.synced_at), attempts: r.attempts, lastError: r.last_error })),
  };
}

/** The person's OP sign-in sessions and what the OP still stores for them. */
export async function collectSessions(store: Store, identityId: string): Promise<EvidenceSessions> {
  const [logins, remaining] = await Promise.all([opLogins(store, identityId), opPayloads(store, identityId)]);
  return {
    logins: logins.map((l) => ({ sessionUid: l.session_uid, credentialType: l.credential_type, authTime: iso(l.auth_time) as string, endedAt: iso(l.ended_at) })),
    remaining: remaining.map((p) => ({ model: p.model, id: p.id, expiresAt: iso(p.expires_at) })),
  };
}
