import { createHash } from 'node:crypto';
import { EVIDENCE_FORMAT, type EvidenceBody, type EvidenceEvent } from '../../audit/evidence/bundle.ts';
import { signEvidence } from '../../audit/evidence/jws.ts';
import { MusterError } from '../../core/errors.ts';
import type { Connector } from '../../connectors/accounts/port.ts';
import { openConnectors } from '../connectors.ts';
import type { Muster } from '../context.ts';
import { auditAnchor } from './anchor.ts';
import { collectAccounts, collectCertificates, collectRelyingParties, collectSessions } from './collect.ts';
import { EvidenceOcsp } from './ocsp.ts';
import { eventJobs, identityExists, LEAVER_EVENT_TYPES, leaverEvent } from './rows.ts';
import { timelineOf } from './timeline.ts';

export interface EvidenceRequest {
  readonly identityId: string;
  /** The event to prove; the identity's latest leaver event when not given. */
  readonly eventId?: number | undefined;
  readonly actor: string;
  readonly correlationId: string;
  /** Connectors to read the targets through; opened from the configuration (and closed after) when not given. */
  readonly connectors?: ReadonlyMap<string, Connector>;
}

export interface Evidence {
  /** The bundle file: a JWS (general JSON serialization) ending with a newline. */
  readonly text: string;
  readonly body: EvidenceBody;
  /** hex SHA-256 of `text`. */
  readonly sha256: string;
}

/** Collects, signs and records (in the audit log) the evidence of one leaver. */
export async function produceEvidence(muster: Muster, request: EvidenceRequest): Promise<Evidence> {
  const connectors = request.connectors ?? openConnectors(muster.config);
  try {
    const body = await collectEvidence(muster, request, connectors);
    const text = signEvidence(body, muster.auditKeys.signer);
    const sha256 = createHash('sha256').update(text).digest('hex');
    await recordIssued(muster, request, body, sha256);
    return { text, body, sha256 };
  } finally {
    if (!request.connectors) await Promise.all([...connectors.values()].map((c) => c.close()));
  }
}

/** The evidence of one leaver, unsigned. */
export async function collectEvidence(muster: Muster, request: EvidenceRequest, connectors: ReadonlyMap<string, Connector>): Promise<EvidenceBody> {
  const { store, clock, config } = muster;
  const { identityId } = request;
  const event = await findEvent(muster, identityId, request.eventId);
  const eventAt = new Date(event.occurredAt);
  const ca = await muster.ca();
  const { certificates, crls } = await collectCertificates(store, identityId, new EvidenceOcsp(ca, clock, config.pki.ocspValidityMinutes));
  const accounts = await collectAccounts(store, identityId, eventAt, { connectors, kinds: config.targets, now: () => clock.now() });
  const relyingParties = await collectRelyingParties(store, identityId, eventAt);
  const sessions = await collectSessions(store, identityId);
  const jobs = await eventJobs(store, event.id);
  const audit = await auditAnchor(store, muster.audit, muster.auditKeys.signer, identityId, { ...event, occurredAt: eventAt });
  const chain = { root: b64(ca.root.certificate.rawData), issuing: b64(ca.issuing.certificate.rawData), ocspResponder: b64(ca.responder.certificate.rawData) };
  return {
    format: EVIDENCE_FORMAT,
    producedAt: clock.now().toISOString(),
    producedBy: request.actor,
    identityId,
    event,
    certificates,
    crls,
    chain,
    accounts,
    relyingParties,
    sessions,
    timeline: timelineOf({ eventAt, certificates, crls, accounts, relyingParties, sessions, jobs }),
    audit,
  };
}

function b64(bytes: ArrayBuffer): string {
  return Buffer.from(bytes).toString('base64');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findEvent(muster: Muster, identityId: string, eventId: number | undefined): Promise<EvidenceEvent> {
  if (!UUID.test(identityId)) throw new MusterError('MUSTER_ERR_VALIDATION', `identity id ${identityId} is not a UUID`, [{ field: 'id', value: identityId, message: 'not a UUID' }]);
  if (!(await identityExists(muster.store, identityId))) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${identityId}`, [{ field: 'id', value: identityId, message: 'not found' }]);
  const row = await leaverEvent(muster.store, identityId, eventId);
  const field = eventId === undefined ? 'id' : 'event';
  if (!row)
    throw new MusterError('MUSTER_ERR_NOT_FOUND', eventId === undefined ? `identity ${identityId} has no leaver event` : `identity ${identityId} has no event ${eventId}`, [
      { field, value: String(eventId ?? identityId), message: 'no such leaver event' },
    ]);
  if (!LEAVER_EVENT_TYPES.includes(row.type))
    throw new MusterError('MUSTER_ERR_VALIDATION', `event ${row.id} is ${row.type}, not a leaver event (${LEAVER_EVENT_TYPES.join(', ')})`, [
      { field: 'event', value: String(row.id), message: `type ${row.type}` },
    ]);
  const payload = row.payload as { source?: unknown };
  return {
    id: Number(row.id),
    type: row.type,
    source: typeof payload?.source === 'string' ? payload.source : null,
    payload: row.payload,
    correlationId: row.correlation_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
  };
}

async function recordIssued(muster: Muster, request: EvidenceRequest, body: EvidenceBody, sha256: string): Promise<void> {
  await muster.store.transaction((tx) =>
    muster.audit.append(
      tx,
      [
        {
          actor: request.actor,
          action: 'evidence.issued',
          target: request.identityId,
          reason: `leaver evidence for event ${body.event.id}`,
          data: { event_id: body.event.id, checkpoint_seq: body.audit.checkpoint.seq, certificates: body.certificates.length, accounts: body.accounts.length, sha256 },
        },
      ],
      request.correlationId,
    ),
  );
}
