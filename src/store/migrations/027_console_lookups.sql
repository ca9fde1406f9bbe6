-- The causal thread reads the audit entries of one event among those of its request: an import's request writes an
-- entry for every person it changed, so each part of the look-up has an index that finds its few entries directly.
CREATE INDEX audit_log_correlation_event ON audit_log (correlation_id, (data ->> 'event_id'));
CREATE INDEX audit_log_correlation_target ON audit_log (correlation_id, target) WHERE data ->> 'event_id' IS NULL;
CREATE INDEX audit_log_correlation_event_ids ON audit_log (correlation_id) WHERE data::jsonb ? 'event_ids';
CREATE INDEX audit_log_correlation_op ON audit_log (correlation_id, (data ->> 'op_id')) WHERE data ->> 'op_id' IS NOT NULL;

-- The dashboard's joiners, movers and leavers per day read only those events of the window, from the index alone.
CREATE INDEX events_type_time ON events (type, occurred_at);
