-- muster lifecycle automation: versioned access policies, the accounts and entitlements they give in downstream
-- targets, the per-target provisioning queue, tickets for targets without an API, and reconciliation runs.

-- A policy is a named document; every edit adds a version. The newest version of a name is the one in force,
-- unless it is disabled (a retired policy keeps its history).
CREATE TABLE policies (
  name        text NOT NULL,
  version     integer NOT NULL,
  kind        text NOT NULL,
  document    jsonb NOT NULL,
  enabled     boolean NOT NULL,
  author      text NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (name, version)
);

-- Accounts: what muster wants in each target (status, fields) beside what it last made the target hold (synced).
-- status: enabled | disabled | archived (kept for the audit trail, never deleted) | orphan (found by reconciliation).
ALTER TABLE accounts
  ADD COLUMN remote_id        text,
  ADD COLUMN fields           jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN desired_version  integer NOT NULL DEFAULT 0,
  ADD COLUMN synced_version   integer NOT NULL DEFAULT 0,
  -- {"enabled": bool, "fields": {...}, "groups": [...]} as the target was last left, or null before the first sync
  ADD COLUMN synced           jsonb,
  ADD COLUMN synced_at        timestamptz,
  ADD COLUMN situation        text,
  ADD COLUMN drift            boolean NOT NULL DEFAULT false,
  ADD COLUMN disabled_at      timestamptz,
  ADD COLUMN archived_at      timestamptz,
  ADD COLUMN created_at       timestamptz;
CREATE UNIQUE INDEX accounts_identity_target ON accounts (identity_id, target) WHERE identity_id IS NOT NULL;
CREATE INDEX accounts_archive_due ON accounts (disabled_at) WHERE status = 'disabled';

-- Entitlements: status active | suspended (an attribute condition holds it back) ; the policies that justify it.
ALTER TABLE entitlements
  ADD COLUMN privileged  boolean NOT NULL DEFAULT false,
  ADD COLUMN status      text NOT NULL DEFAULT 'active',
  ADD COLUMN policies    jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The provisioning queue: one row asks a target to match muster's record of one account. At most one pending row
-- per account (a newer change folds into it: the worker reads the record as it is when it runs).
CREATE TABLE provisioning_ops (
  id            bigserial PRIMARY KEY,
  target        text NOT NULL,
  identity_id   uuid NOT NULL REFERENCES identities (id),
  reason        text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  run_after     timestamptz NOT NULL,
  locked_by     text,
  locked_until  timestamptz,
  last_error    text,
  event_id      bigint,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  done_at       timestamptz
);
CREATE UNIQUE INDEX provisioning_ops_one_pending ON provisioning_ops (target, identity_id) WHERE status = 'pending';
CREATE INDEX provisioning_ops_ready ON provisioning_ops (target, run_after) WHERE status IN ('pending', 'running');
CREATE INDEX provisioning_ops_identity ON provisioning_ops (identity_id);

-- Tickets: requests carried to an ITSM endpoint for targets with no API; a callback closes them.
CREATE TABLE tickets (
  id            uuid PRIMARY KEY,
  target        text NOT NULL,
  identity_id   uuid REFERENCES identities (id),
  account_ref   text NOT NULL,
  operation     text NOT NULL,
  request       jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'escalated', 'closed')),
  outcome       text,
  opened_at     timestamptz NOT NULL,
  due_at        timestamptz NOT NULL,
  escalated_at  timestamptz,
  closed_at     timestamptz,
  closed_by     text
);
CREATE INDEX tickets_open_due ON tickets (due_at) WHERE status = 'open';

-- Reconciliation: a pull of every account of a target, correlated to identities. Findings keep what needs a
-- person (orphans, disputes, deleted accounts, drift); linked accounts are only counted.
CREATE TABLE reconciliation_runs (
  id           uuid PRIMARY KEY,
  target       text NOT NULL,
  actor        text NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  counts       jsonb NOT NULL DEFAULT '{}'::jsonb,
  error        text,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz
);

CREATE TABLE reconciliation_findings (
  run_id       uuid NOT NULL REFERENCES reconciliation_runs (id),
  target       text NOT NULL,
  account_ref  text NOT NULL,
  remote_id    text NOT NULL,
  situation    text NOT NULL CHECK (situation IN ('linked', 'unlinked', 'unmatched', 'disputed', 'deleted')),
  identity_id  uuid,
  candidates   jsonb NOT NULL DEFAULT '[]'::jsonb,
  enabled      boolean NOT NULL,
  privileged   boolean NOT NULL,
  drift        boolean NOT NULL DEFAULT false,
  groups       jsonb NOT NULL DEFAULT '[]'::jsonb,
  action       text NOT NULL,
  PRIMARY KEY (run_id, account_ref)
);
CREATE INDEX reconciliation_findings_orphans ON reconciliation_findings (target, privileged DESC) WHERE situation = 'unmatched';
