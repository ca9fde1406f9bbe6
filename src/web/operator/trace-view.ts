import { html } from 'hono/html';
import type { EventTrace } from '../../audit/trace/types.ts';
import type { Html } from '../layout/html.ts';
import { when } from './deps.ts';

/**
 * A person's timeline: each domain event with its causal thread as `muster trace` builds it (src/audit/trace), down
 * to the target operations, the SETs sent to relying parties, the certificates revoked, tickets and sessions ended,
 * and the events its jobs made, nested.
 */

function ms(value: number | null): string {
  if (value === null) return '';
  return value < 1000 ? ` after ${value} ms` : ` after ${(value / 1000).toFixed(1)} s`;
}

function items(trace: EventTrace): Html[] {
  const out: Html[] = [];
  if (trace.origin)
    out.push(
      html`<li class="trace-origin">Recorded by ${trace.origin.actor}: ${trace.origin.action}${trace.origin.reason ? ` (${trace.origin.reason})` : ''}${trace.origin.statusMove ? `, status ${trace.origin.statusMove.from ?? '—'} → ${trace.origin.statusMove.to}` : ''}</li>`,
    );
  for (const job of trace.jobs)
    out.push(html`<li class="trace-job">Job ${job.kind}: ${job.status}${ms(job.durationMs)}${job.lastError ? html` — <span class="text-secondary-dark">${job.lastError}</span>` : ''}</li>`);
  for (const op of trace.operations)
    out.push(
      html`<li class="trace-operation">Target <strong>${op.target}</strong>: ${op.reason}, ${op.status}${ms(op.durationMs)}${op.result?.length ? `: ${op.result.join('; ')}` : ''}${op.error ? html` — <span class="text-secondary-dark">${op.error}</span>` : ''}</li>`,
    );
  for (const signal of trace.signals)
    out.push(
      html`<li class="trace-set">SET ${signal.eventType} to <strong>${signal.clientId}</strong>: ${signal.state}${signal.deliveredAt ? `, delivered ${when(signal.deliveredAt)}` : ''}${ms(signal.durationMs)}</li>`,
    );
  for (const rev of trace.revocations)
    out.push(html`<li class="trace-revocation">Certificate <code>${rev.serial}</code> (${rev.profile}) revoked: ${rev.reason ?? 'unspecified'} at ${when(rev.revokedAt)}</li>`);
  for (const ticket of trace.tickets)
    out.push(html`<li class="trace-ticket">Ticket ${ticket.id} at ${ticket.target} (${ticket.operation}): ${ticket.status}${ticket.outcome ? `, ${ticket.outcome}` : ''}</li>`);
  for (const ended of trace.sessionsEnded)
    out.push(html`<li class="trace-sessions">Sessions ended at ${when(ended.at)}: ${ended.sessions.length} session(s), ${ended.backchannelLogouts.length} back-channel logout(s)</li>`);
  for (const caused of trace.caused) out.push(html`<li class="trace-caused">${eventItem(caused)}</li>`);
  return out;
}

function eventItem(trace: EventTrace): Html {
  const e = trace.event;
  const thread = items(trace);
  return html`<div class="trace-event" id="event-${e.id}"><p class="margin-y-05"><strong>${e.type}</strong> #${e.id} at ${when(e.occurredAt)}${e.source ? ` from ${e.source}` : ''}; settled${ms(trace.settledAfterMs)}</p>${thread.length ? html`<ul class="usa-list margin-top-0">${thread}</ul>` : ''}</div>`;
}

export function timelineSection(traces: readonly EventTrace[], sinceDays: number): Html {
  const body = traces.length
    ? html`<ol class="usa-list" id="timeline-events" reversed>${[...traces].reverse().map((t) => html`<li>${eventItem(t)}</li>`)}</ol>`
    : html`<p>No events in the last ${sinceDays} days.</p>`;
  return html`<section aria-labelledby="timeline-heading" id="timeline" class="margin-top-4"><h2 id="timeline-heading">Timeline and causal thread (last ${sinceDays} days)</h2>${body}</section>`;
}
