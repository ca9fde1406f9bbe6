import type { Notifier } from '../connectors/notify/port.ts';
import { MusterError } from '../core/errors.ts';
import type { JobHandler } from './handlers.ts';

export const NOTIFY_BINDING_JOB = 'credentials.notify-binding';

const KIND: Record<string, string> = { derived_piv_pki: 'a Derived PIV certificate', derived_piv_fido2: 'a FIDO2 security key or passkey' };

type EventRow = { payload: Record<string, unknown>; occurred_at: Date };

/**
 * SP 800-157r1 §2.1: every binding of a Derived PIV credential is notified to the address on record, so that a
 * binding the holder did not make is noticed. Delivered through the notification connector; the delivery is audited.
 */
export function notifyBindingHandler(notifier: Notifier): JobHandler {
  return async (job, tx, ctx) => {
    const [event] = await tx.query<EventRow>('SELECT payload, occurred_at FROM events WHERE id = $1', [job.eventId]);
    if (!event || !job.payload.identityId) throw new MusterError('MUSTER_ERR_VALIDATION', `job ${job.id} names no credential.bound event`);
    const identityId = String(job.payload.identityId);
    const [person] = await tx.query<{ email: string | null; name: string | null }>(`SELECT attributes->'email'->>'v' AS email, attributes->'full_name'->>'v' AS name FROM identities WHERE id = $1`, [
      identityId,
    ]);
    const kind = KIND[String(event.payload.type)] ?? String(event.payload.type);
    const audit = { actor: 'muster:lifecycle', target: identityId, data: { job_id: job.id, event_id: job.eventId, credential_id: event.payload.credential_id, connector: notifier.name } };
    if (!person?.email) {
      await ctx.audit.append(tx, [{ ...audit, action: 'notification.skipped', reason: 'no email address on record' }], ctx.correlationId);
      return;
    }
    const when = new Date(event.occurred_at).toISOString();
    const text = `${person.name ?? 'Hello'},\n\n${kind} was bound to your identity as a Derived PIV credential on ${when}, after an authentication with your PIV card (certificate ${String(event.payload.piv_serial)}).\n\nIf you did not do this, report it to your security office at once: the credential will be revoked.\n`;
    await notifier.deliver({ id: `binding-${String(job.eventId)}`, to: person.email, subject: 'A Derived PIV credential was bound to your identity', text, at: ctx.now });
    await ctx.audit.append(tx, [{ ...audit, action: 'notification.sent', reason: `binding notice sent to the address on record`, data: { ...audit.data, to: person.email } }], ctx.correlationId);
  };
}
