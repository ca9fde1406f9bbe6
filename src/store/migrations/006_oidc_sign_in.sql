-- Steps of an OP sign-in that outlive one request, each tied to the oidc-provider interaction it belongs to:
--   webauthn     the challenge handed to the browser for navigator.credentials.get (used once);
--   certificate  a PIV or PKI-based Derived PIV certificate verified on the mutual-TLS listener, handed back to the
--                issuer's origin by a one-time ticket (only its SHA-256 is kept), so that the browser that started the
--                interaction is the one that completes it;
--   login        a finished sign-in, until the resumed authorization request moves it to its OP session (oidc_logins).
CREATE TABLE oidc_sign_in_steps (
  interaction_uid  text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('webauthn', 'certificate', 'login')),
  secret           text,                -- the WebAuthn challenge, or base64url SHA-256 of the certificate ticket
  identity_id      uuid REFERENCES identities (id),
  login            jsonb,               -- credentialId, credentialType, aal, amr, certThumbprint, authTime
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (interaction_uid, kind)
);
CREATE INDEX oidc_sign_in_steps_expiry ON oidc_sign_in_steps (expires_at);
