-- Jobs of events that end trust or access (a leaver, a suspension, a credential revoked) are claimed before bulk work:
-- 0 urgent, 1 normal. The claim reads the ready jobs in (priority, id) order.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 1;
CREATE INDEX jobs_ready_by_priority ON jobs (priority, id) WHERE status IN ('pending', 'running');
