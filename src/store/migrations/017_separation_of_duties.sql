-- Separation of duties for PIV issuance (FIPS 201-3 §2.7, §2.8): a sponsor vouches for an applicant and a
-- registrar proofs them, each through their own authenticated call; the issuer is a third person. Each record
-- names the operator (an identity of the MUR) who made it; issuance reads the newest of each (highest seq).
CREATE TABLE sponsorships (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL,
  identity_id uuid NOT NULL REFERENCES identities (id),
  sponsor_id uuid NOT NULL REFERENCES identities (id),
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX sponsorships_identity ON sponsorships (identity_id, seq);

-- Identity proofing (NIST SP 800-63A): the assurance level reached, how (in person or supervised remote),
-- and the evidence seen (type, issuer, document id, expiry, strength) as a JSON array.
CREATE TABLE identity_proofings (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL,
  identity_id uuid NOT NULL REFERENCES identities (id),
  registrar_id uuid NOT NULL REFERENCES identities (id),
  ial text NOT NULL,
  method text NOT NULL,
  evidence jsonb NOT NULL,
  proofed_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX identity_proofings_identity ON identity_proofings (identity_id, seq);

-- Two-person rules: an action one operator proposes runs only when another operator holding the required
-- role confirms it before it expires. status: pending, confirmed, rejected, expired or failed.
CREATE TABLE pending_actions (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  target text NOT NULL,
  summary text NOT NULL,
  payload jsonb NOT NULL,
  required_role text NOT NULL,
  status text NOT NULL,
  proposed_by text NOT NULL,
  proposed_at timestamptz NOT NULL,
  reason text NOT NULL,
  expires_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  result jsonb
);
CREATE INDEX pending_actions_open ON pending_actions (expires_at) WHERE status = 'pending';
