import type { EventTrace } from '../../audit/trace/types.ts';

/** `+250ms`, `+42s`, `+7m0s`, `+2h5m`: how long after its start a thing ended; `not ended` when it has not. */
export function elapsed(ms: number | null): string {
  if (ms === null) return 'not ended';
  if (ms < 1000) return `+${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `+${s}s`;
  if (s < 3600) return `+${Math.floor(s / 60)}m${s % 60}s`;
  return `+${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

function headLines(t: EventTrace): string[] {
  const e = t.event;
  const move = t.origin?.statusMove;
  return [
    `event ${e.id} ${e.type}  identity ${e.identityId ?? '-'}  source ${e.source ?? '-'}  request ${e.correlationId}  at ${e.occurredAt}  settled ${elapsed(t.settledAfterMs)}`,
    ...(t.origin
      ? [`  from: ${t.origin.actor} ${t.origin.action}${move ? ` (${move.from ?? 'new'} -> ${move.to})` : ''}${t.origin.reason ? `: ${t.origin.reason}` : ''}  [audit #${t.origin.auditSeq}]`]
      : []),
  ];
}

function workLines(t: EventTrace): string[] {
  return [
    ...t.jobs.map((j) => `  job ${j.id} ${j.kind}: ${j.status}, ${attempts(j.attempts)}, ${elapsed(j.durationMs)}${j.lastError ? ` (${j.lastError})` : ''}`),
    ...t.operations.map(
      (o) =>
        `  operation ${o.id} ${o.target}: ${o.status}, ${attempts(o.attempts)}, ${elapsed(o.durationMs)}${o.result ? `: ${o.result.join(', ')}` : ''}${o.error ? ` (${o.error})` : ''}${o.eventIds.length > 1 ? `  [events ${o.eventIds.join(', ')}]` : ''}`,
    ),
    ...t.tickets.map((k) => `  ticket ${k.id} ${k.target} ${k.operation}: ${k.status}${k.outcome ? ` ${k.outcome}` : ''}`),
    ...t.revocations.map((r) => `  revoked ${r.serial} (${r.profile}) ${r.reason ?? '-'} at ${r.revokedAt ?? '-'}`),
    ...t.signals.map((s) => `  set ${s.clientId} ${s.eventType}: ${s.state}, ${attempts(s.attempts)}${s.deliveredAt ? `, ${elapsed(s.durationMs)}` : ''}${s.lastError ? ` (${s.lastError})` : ''}`),
    ...t.sessionsEnded.map((s) => `  sessions ended: ${s.sessions.length}, back-channel logouts: ${s.backchannelLogouts.join(', ') || '-'}  [audit #${s.auditSeq}]`),
  ];
}

/** One event's tree as indented lines; the events its jobs made follow, indented further. */
export function traceLines(t: EventTrace, indent = ''): string[] {
  const audit = t.audit.map((a) => `  audit #${a.seq} ${a.at} ${a.actor} ${a.action}${a.target ? ` ${a.target}` : ''}`);
  const lines = [...headLines(t), ...workLines(t), ...audit];
  return [...lines.map((l) => indent + l), ...t.caused.flatMap((c) => traceLines(c, `${indent}    `))];
}
