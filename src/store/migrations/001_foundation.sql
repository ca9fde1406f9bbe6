-- muster foundation: the Master User Record, its sources, events, outbox and audit log.

CREATE TABLE identities (
  id            uuid PRIMARY KEY,
  kind          text NOT NULL,
  status        text NOT NULL,
  -- attribute name -> {"v": value, "p": index into provenance}
  attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- [{"s": source, "r": source record, "t": observed at}], each once
  provenance    jsonb NOT NULL DEFAULT '[]'::jsonb,
  sponsor_id    uuid REFERENCES identities (id),
  expires_at    timestamptz,
  flags         jsonb NOT NULL DEFAULT '[]'::jsonb,
  last_updated  timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  version       integer NOT NULL DEFAULT 1
);
CREATE INDEX identities_sponsor ON identities (sponsor_id) WHERE sponsor_id IS NOT NULL;
CREATE INDEX identities_npe_expiry ON identities (expires_at) WHERE kind <> 'person';
CREATE INDEX identities_employee_id ON identities ((attributes -> 'employee_id' ->> 'v'));
CREATE INDEX identities_email ON identities ((attributes -> 'email' ->> 'v'));
CREATE INDEX identities_family_name ON identities ((attributes -> 'family_name' ->> 'v'));

-- An identity id is never reused: identities are archived, never deleted.
CREATE FUNCTION muster_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'muster: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER identities_no_delete BEFORE DELETE ON identities FOR EACH ROW EXECUTE FUNCTION muster_refuse_change();

CREATE TABLE source_links (
  source       text NOT NULL,
  source_key   text NOT NULL,
  identity_id  uuid NOT NULL REFERENCES identities (id),
  digest       text NOT NULL,
  observed_at  timestamptz NOT NULL,
  PRIMARY KEY (source, source_key)
);
CREATE INDEX source_links_identity ON source_links (identity_id);

CREATE TABLE status_history (
  id           bigserial PRIMARY KEY,
  identity_id  uuid NOT NULL REFERENCES identities (id),
  from_status  text,
  to_status    text NOT NULL,
  reason       text NOT NULL,
  source       text NOT NULL,
  event_id     bigint,
  at           timestamptz NOT NULL
);
CREATE INDEX status_history_identity ON status_history (identity_id, id);

-- TRUST: vetting (eligibility, status, investigation, adjudication, continuous vetting).
CREATE TABLE trust (
  identity_id         uuid PRIMARY KEY REFERENCES identities (id),
  eligibility         text NOT NULL,
  status              text NOT NULL,
  investigation_type  text,
  adjudication_date   date,
  continuous_vetting  boolean NOT NULL DEFAULT false,
  source              text NOT NULL,
  source_record       text NOT NULL,
  observed_at         timestamptz NOT NULL
);

-- BEHAVE: training (course, status, completed, expires).
CREATE TABLE behave (
  identity_id    uuid NOT NULL REFERENCES identities (id),
  course         text NOT NULL,
  status         text NOT NULL,
  completed      date,
  expires        date,
  source         text NOT NULL,
  source_record  text NOT NULL,
  observed_at    timestamptz NOT NULL,
  PRIMARY KEY (identity_id, course)
);

-- CRED: an identity's authenticators (filled by the credential service).
CREATE TABLE credentials (
  id           uuid PRIMARY KEY,
  identity_id  uuid NOT NULL REFERENCES identities (id),
  type         text NOT NULL,
  status       text NOT NULL,
  reference    text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  issued_at    timestamptz,
  expires_at   timestamptz,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX credentials_identity ON credentials (identity_id);

-- ACCOUNTS: accounts in downstream systems; identity_id is null for an orphan.
CREATE TABLE accounts (
  id           uuid PRIMARY KEY,
  identity_id  uuid REFERENCES identities (id),
  target       text NOT NULL,
  account_ref  text NOT NULL,
  status       text NOT NULL,
  privileged   boolean NOT NULL DEFAULT false,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at   timestamptz NOT NULL,
  UNIQUE (target, account_ref)
);
CREATE INDEX accounts_identity ON accounts (identity_id);

-- PRIV: privileges (type, status, associated system).
CREATE TABLE privileges (
  id              uuid PRIMARY KEY,
  identity_id     uuid NOT NULL REFERENCES identities (id),
  privilege_type  text NOT NULL,
  status          text NOT NULL,
  system          text NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX privileges_identity ON privileges (identity_id);

-- ENTITLEMENT: entitlements in target systems, with the reason they were granted.
CREATE TABLE entitlements (
  id                uuid PRIMARY KEY,
  identity_id       uuid NOT NULL REFERENCES identities (id),
  target            text NOT NULL,
  entitlement       text NOT NULL,
  entitlement_type  text NOT NULL,
  reason            text NOT NULL,
  granted_at        timestamptz NOT NULL,
  UNIQUE (identity_id, target, entitlement)
);

-- Domain events, committed with the change that caused them.
CREATE TABLE events (
  id              bigserial PRIMARY KEY,
  type            text NOT NULL,
  identity_id     uuid,
  payload         jsonb NOT NULL,
  correlation_id  text NOT NULL,
  occurred_at     timestamptz NOT NULL
);

-- The outbox: jobs caused by events, claimed by workers, delivered at least once.
CREATE TABLE jobs (
  id               bigserial PRIMARY KEY,
  kind             text NOT NULL,
  idempotency_key  text NOT NULL UNIQUE,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending',
  attempts         integer NOT NULL DEFAULT 0,
  run_after        timestamptz NOT NULL,
  locked_by        text,
  locked_until     timestamptz,
  last_error       text,
  event_id         bigint,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX jobs_ready ON jobs (run_after) WHERE status IN ('pending', 'running');

-- The audit log: append-only, hash-chained.
CREATE TABLE audit_log (
  seq             bigint PRIMARY KEY,
  at              timestamptz NOT NULL,
  actor           text NOT NULL,
  action          text NOT NULL,
  target          text,
  reason          text,
  correlation_id  text NOT NULL,
  -- json, not jsonb: the text is kept exactly as written, and the hash covers that text
  data            json NOT NULL,
  prev_hash       text NOT NULL,
  hash            text NOT NULL
);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION muster_refuse_change();

CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY,
  hash       text NOT NULL,
  key_id     text NOT NULL,
  signature  text NOT NULL,
  signed_at  timestamptz NOT NULL
);

CREATE TABLE import_runs (
  id           uuid PRIMARY KEY,
  source       text NOT NULL,
  format       text NOT NULL,
  file_name    text NOT NULL,
  file_path    text,
  file_sha256  text NOT NULL,
  status       text NOT NULL,
  options      jsonb NOT NULL DEFAULT '{}'::jsonb,
  summary      jsonb NOT NULL DEFAULT '{}'::jsonb,
  errors       jsonb NOT NULL DEFAULT '[]'::jsonb,
  actor        text NOT NULL,
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz
);
CREATE INDEX import_runs_created ON import_runs (created_at DESC);

CREATE TABLE disputes (
  id           uuid PRIMARY KEY,
  source       text NOT NULL,
  source_key   text NOT NULL,
  run_id       uuid,
  record       jsonb NOT NULL,
  candidates   jsonb NOT NULL,
  status       text NOT NULL,
  resolution   jsonb,
  resolved_by  text,
  created_at   timestamptz NOT NULL,
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX disputes_open_key ON disputes (source, source_key) WHERE status = 'open';

CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);

CREATE TABLE settings (
  key    text PRIMARY KEY,
  value  jsonb NOT NULL
);
