import type { EvidenceAccount, EvidenceCertificate, EvidenceCrl, EvidenceRelyingParties, EvidenceSessions, EvidenceStep, EvidenceTimeline } from '../../audit/evidence/bundle.ts';

export interface TimelineParts {
  readonly eventAt: Date;
  readonly certificates: readonly EvidenceCertificate[];
  readonly crls: readonly EvidenceCrl[];
  readonly accounts: readonly EvidenceAccount[];
  readonly relyingParties: EvidenceRelyingParties;
  readonly sessions: EvidenceSessions;
  readonly jobs: readonly { readonly kind: string; readonly status: string; readonly updated_at: Date }[];
}

/** Each step that finished, with its time after the event, oldest first; the total runs from the event to the last. */
export function timelineOf(parts: TimelineParts): EvidenceTimeline {
  const candidates: [string, string | null][] = [
    ...parts.jobs.filter((j) => j.status === 'done').map((j): [string, string] => [`job ${j.kind} done`, new Date(j.updated_at).toISOString()]),
    ...parts.certificates.map((c): [string, string | null] => [`certificate ${c.serial} revoked`, c.revokedAt]),
    ...parts.crls.map((c): [string, string] => [`CRL ${c.number} published`, c.thisUpdate]),
    ...parts.accounts.flatMap((a) => a.operations.map((o): [string, string | null] => [`${a.target} operation ${o.id} ${o.status}`, o.doneAt])),
    ...parts.relyingParties.signals.map((s): [string, string | null] => [`SET ${s.jti} to ${s.clientId} delivered`, s.deliveredAt]),
    ...parts.relyingParties.provisioning.map((r): [string, string | null] => [`RP ${r.clientId} account ${r.state}`, r.syncedAt]),
    ...parts.sessions.logins.map((l): [string, string | null] => [`OP session ${l.sessionUid} ended`, l.endedAt]),
  ];
  const event = parts.eventAt.getTime();
  const steps: EvidenceStep[] = candidates
    .filter((c): c is [string, string] => c[1] !== null && Date.parse(c[1]) >= event)
    .map(([step, at]) => ({ step, at, afterMs: Date.parse(at) - event }))
    .sort((a, b) => a.afterMs - b.afterMs || a.step.localeCompare(b.step));
  return { eventAt: parts.eventAt.toISOString(), steps, totalMs: steps.at(-1)?.afterMs ?? 0 };
}
