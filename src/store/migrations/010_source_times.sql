-- Import runs name the process that runs them and when it last showed signs of life, so that a
-- run whose process died is found at the next start-up and marked interrupted.
ALTER TABLE import_runs ADD COLUMN owner text;
ALTER TABLE import_runs ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX import_runs_running ON import_runs (created_at) WHERE status = 'running';

-- When a status move took effect at its source (an HR event's effectiveAt); null means when it was recorded (at).
ALTER TABLE status_history ADD COLUMN effective_at timestamptz;
