-- The causal thread: what a domain event caused carries the event's id, so that one query finds every job, target
-- operation, SET, ticket, revocation and audit entry of one request.

-- An event written by a job (a card terminated because its holder left) names the event that queued the job.
ALTER TABLE events ADD COLUMN cause_event_id bigint;
CREATE INDEX events_cause ON events (cause_event_id) WHERE cause_event_id IS NOT NULL;
CREATE INDEX events_correlation ON events (correlation_id);

CREATE INDEX jobs_event ON jobs (event_id) WHERE event_id IS NOT NULL;

-- A provisioning operation keeps the event that queued it in provisioning_ops.event_id. A newer change for the same
-- account folds into the pending operation: every event it carries, the first included, has a row here.
CREATE TABLE provisioning_op_events (
  op_id     bigint NOT NULL REFERENCES provisioning_ops (id),
  event_id  bigint NOT NULL,
  PRIMARY KEY (op_id, event_id)
);
CREATE INDEX provisioning_op_events_event ON provisioning_op_events (event_id);

ALTER TABLE ssf_events ADD COLUMN event_id bigint;
CREATE INDEX ssf_events_event ON ssf_events (event_id) WHERE event_id IS NOT NULL;

ALTER TABLE tickets ADD COLUMN event_id bigint;
CREATE INDEX tickets_event ON tickets (event_id) WHERE event_id IS NOT NULL;

ALTER TABLE certificates ADD COLUMN revocation_event_id bigint;
CREATE INDEX certificates_revocation_event ON certificates (revocation_event_id) WHERE revocation_event_id IS NOT NULL;

-- Audit entries keep the event id in `data` (the hash covers it; a column would not be). Workers write under the
-- event's correlation id, so the entries of one request are found by it.
CREATE INDEX audit_log_correlation ON audit_log (correlation_id);
