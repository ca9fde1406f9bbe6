-- muster PIV federation (SP 800-217): trust agreements, pairwise subject secrets, the relying parties each identity
-- has used, the OpenID Provider's persistence and keys, sign-in records, shared-signal streams and their events,
-- and provisioning to relying parties.

-- A trust agreement is a versioned document; the newest version of an id is the one in force.
CREATE TABLE trust_agreements (
  id          text NOT NULL,
  version     integer NOT NULL,
  status      text NOT NULL,            -- active | suspended | ended
  document    jsonb NOT NULL,
  author      text NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (id, version)
);

-- Every relying party (OIDC client) belongs to exactly one agreement; dynamic registrations too.
CREATE TABLE federation_clients (
  client_id     text PRIMARY KEY,
  agreement_id  text NOT NULL,
  registration  text NOT NULL,          -- agreement | dynamic
  created_at    timestamptz NOT NULL
);
CREATE INDEX federation_clients_agreement ON federation_clients (agreement_id);

-- The per-identity secret pairwise subject identifiers are derived from (HMAC over the RP's sector). Replacing it
-- changes every federated identifier of the identity (the federated-identifier change procedure).
CREATE TABLE federation_subject_secrets (
  identity_id  uuid PRIMARY KEY REFERENCES identities (id),
  secret       bytea NOT NULL,
  created_at   timestamptz NOT NULL,
  previous     bytea,
  replaced_at  timestamptz
);

-- Which relying parties know an identity (signed in, or pre-provisioned), under which subject identifier.
CREATE TABLE federation_rp_subjects (
  identity_id     uuid NOT NULL REFERENCES identities (id),
  client_id       text NOT NULL,
  sub             text NOT NULL,
  first_used_at   timestamptz,
  last_used_at    timestamptz,
  provisioned_at  timestamptz,
  PRIMARY KEY (identity_id, client_id)
);
CREATE UNIQUE INDEX federation_rp_subjects_sub ON federation_rp_subjects (client_id, sub);

-- Runtime consent, remembered per identity and RP, for the attributes it covered.
CREATE TABLE federation_consents (
  identity_id  uuid NOT NULL REFERENCES identities (id),
  client_id    text NOT NULL,
  attributes   jsonb NOT NULL,
  granted_at   timestamptz NOT NULL,
  PRIMARY KEY (identity_id, client_id)
);

-- Signing keys of the OP (ID tokens), the federation entity and the shared-signals transmitter. A key is published
-- from created_at, signs from activated_at until retired_at, and stays published until expires_at.
CREATE TABLE federation_keys (
  kid           text PRIMARY KEY,
  purpose       text NOT NULL,          -- oidc | federation | ssf
  alg           text NOT NULL,
  private_jwk   jsonb NOT NULL,
  public_jwk    jsonb NOT NULL,
  created_at    timestamptz NOT NULL,
  activated_at  timestamptz,
  retired_at    timestamptz,
  expires_at    timestamptz
);
CREATE INDEX federation_keys_purpose ON federation_keys (purpose, created_at);

-- oidc-provider's models (sessions, grants, codes, tokens, interactions, registered clients …).
CREATE TABLE oidc_payloads (
  model        text NOT NULL,
  id           text NOT NULL,
  payload      jsonb NOT NULL,
  grant_id     text,
  user_code    text,
  uid          text,
  account_id   text,
  expires_at   timestamptz,
  consumed_at  timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_account ON oidc_payloads (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

-- One record per IdP sign-in: which credential, how (PIV card, PKI derived, FIDO2 derived), at which AAL, and the
-- PIV certificate's thumbprint for holder-of-key assertions. Keyed by the OP session.
CREATE TABLE oidc_logins (
  session_uid      text PRIMARY KEY,
  identity_id      uuid NOT NULL REFERENCES identities (id),
  credential_id    text NOT NULL,
  credential_type  text NOT NULL,       -- piv_card | derived_pki | derived_non_pki
  aal              text NOT NULL,       -- aal2 | aal3
  amr              jsonb NOT NULL,
  cert_thumbprint  text,
  auth_time        timestamptz NOT NULL,
  last_active_at   timestamptz NOT NULL,
  ended_at         timestamptz
);
CREATE INDEX oidc_logins_identity ON oidc_logins (identity_id) WHERE ended_at IS NULL;

-- Shared Signals Framework streams: one per receiver (RP client).
CREATE TABLE ssf_streams (
  stream_id    text PRIMARY KEY,
  client_id    text NOT NULL UNIQUE,
  status       text NOT NULL,           -- enabled | paused | disabled
  reason       text,
  config       jsonb NOT NULL,          -- delivery, events_requested, description
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

-- Every SET muster has made, until the receiver has it: push deliveries retry with back-off; poll deliveries wait
-- for the receiver's acknowledgement.
CREATE TABLE ssf_events (
  jti              text PRIMARY KEY,
  stream_id        text NOT NULL,
  client_id        text NOT NULL,
  identity_id      uuid,
  event_type       text NOT NULL,
  set_jwt          text NOT NULL,
  txn              text,
  state            text NOT NULL,       -- pending | delivered | failed | held
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz
);
CREATE INDEX ssf_events_due ON ssf_events (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ssf_events_stream ON ssf_events (stream_id, created_at) WHERE state = 'pending';

-- Accounts pushed to relying parties over their provisioning API (SCIM), under an agreement that allows it.
CREATE TABLE rp_provisioning (
  identity_id  uuid NOT NULL REFERENCES identities (id),
  client_id    text NOT NULL,
  remote_id    text,
  state        text NOT NULL,           -- active | terminated
  pushed       jsonb,
  synced_at    timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  PRIMARY KEY (identity_id, client_id)
);
