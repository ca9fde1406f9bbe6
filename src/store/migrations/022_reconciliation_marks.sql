-- A target with change sequence numbers (Active Directory's uSNChanged) is reconciled incrementally: each run keeps
-- the target's high-water mark taken before it listed, and an incremental run lists only what changed since the
-- mark of the last run that finished. NULL for a target without marks.
ALTER TABLE reconciliation_runs ADD COLUMN high_water text;
ALTER TABLE reconciliation_runs ADD COLUMN incremental boolean NOT NULL DEFAULT false;
