-- Console sessions (docs/operators.md, "Console sign-in"): an operator signed in to the web console through muster's
-- own OpenID Provider. The browser holds a random secret; only its SHA-256 hash is stored. A row starts as a pending
-- sign-in (`sign_in`: state, nonce and PKCE verifier, no identity) and is ended when the callback opens the session
-- proper, which gets a fresh secret. Roles are not copied here: they are read from operator_roles on every request.
CREATE TABLE console_sessions (
  id uuid PRIMARY KEY,
  secret_hash text NOT NULL UNIQUE,
  identity_id uuid REFERENCES identities (id),
  sign_in jsonb,
  auth_time timestamptz,
  acr text,
  id_token text,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX console_sessions_identity ON console_sessions (identity_id) WHERE ended_at IS NULL;
CREATE INDEX console_sessions_pending ON console_sessions (created_at) WHERE identity_id IS NULL AND ended_at IS NULL;
