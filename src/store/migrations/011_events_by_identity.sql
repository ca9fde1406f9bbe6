-- The events of one identity at one moment: the shared-signals job reads every event of the change that caused it
-- (one MUR transaction: same identity, correlation id and time), so that the SETs of one change share one txn.
CREATE INDEX events_identity_time ON events (identity_id, occurred_at);
