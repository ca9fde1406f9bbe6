-- muster PKI and the Derived PIV credential: the CA's own certificates and (encrypted or HSM-held) keys, the CRLs it
-- published, binding challenges, WebAuthn authenticators, scheduled credential checks and documented exceptions.

-- The root, the issuing CA and the delegated OCSP responder. A software key is an encrypted PKCS#8 PEM; an HSM key is
-- named by its label (the token holds it); an adopted root may have neither (its key stays offline). The row of a role
-- is replaced when the responder certificate is renewed.
CREATE TABLE ca_keys (
  role         text PRIMARY KEY CHECK (role IN ('root', 'issuing', 'ocsp')),
  name         text NOT NULL,
  certificate  bytea NOT NULL,
  key_pem      text,
  hsm_label    text,
  created_at   timestamptz NOT NULL,
  CHECK (key_pem IS NULL OR hsm_label IS NULL),
  CHECK (role = 'root' OR key_pem IS NOT NULL OR hsm_label IS NOT NULL)
);

-- Every CRL the issuing CA published; the newest per issuer is served at the CRL distribution point.
CREATE TABLE crls (
  issuer       text NOT NULL,
  number       bigint NOT NULL,
  this_update  timestamptz NOT NULL,
  next_update  timestamptz NOT NULL,
  revoked      integer NOT NULL,
  through_change bigint NOT NULL,           -- the CRL reflects every certificate change up to this change_seq
  der          bytea NOT NULL,
  PRIMARY KEY (issuer, number)
);

-- Every change of a certificate's status takes the next value, so that OCSP and CRL publishers find what changed.
CREATE SEQUENCE certificate_changes;
ALTER TABLE certificates ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval('certificate_changes');
CREATE INDEX certificates_change_seq ON certificates (change_seq);
CREATE FUNCTION certificates_next_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := nextval('certificate_changes');
  RETURN NEW;
END $$;
CREATE TRIGGER certificates_changed BEFORE UPDATE ON certificates FOR EACH ROW EXECUTE FUNCTION certificates_next_change();

-- One-time challenges of the Derived PIV binding ceremony: consumed at most once, before they expire.
CREATE TABLE binding_challenges (
  id           uuid PRIMARY KEY,
  identity_id  uuid NOT NULL REFERENCES identities (id),
  challenge    text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);

-- FIDO2 authenticators bound as Derived PIV credentials; deleted when the credential ends.
CREATE TABLE webauthn_credentials (
  credential_id  text PRIMARY KEY,
  credential     uuid NOT NULL REFERENCES credentials (id),
  identity_id    uuid NOT NULL REFERENCES identities (id),
  public_key     bytea NOT NULL,
  counter        bigint NOT NULL,
  aaguid         text NOT NULL,
  status         text NOT NULL CHECK (status IN ('active', 'suspended')),
  created_at     timestamptz NOT NULL
);
CREATE INDEX webauthn_credentials_identity ON webauthn_credentials (identity_id);

-- A documented exception to credential policy (e.g. a temporary credential while a card is replaced).
CREATE TABLE credential_exceptions (
  id                    uuid PRIMARY KEY,
  identity_id           uuid NOT NULL REFERENCES identities (id),
  credential_id         uuid REFERENCES credentials (id),
  kind                  text NOT NULL,
  reason                text NOT NULL,
  compensating_control  text NOT NULL,
  requested_by          text NOT NULL,
  approved_by           text NOT NULL,
  approved_at           timestamptz NOT NULL,
  expires_at            timestamptz NOT NULL,
  status                text NOT NULL CHECK (status IN ('active', 'expired', 'ended')),
  ended_at              timestamptz,
  CHECK (approved_by <> requested_by),
  CHECK ((status = 'active') = (ended_at IS NULL))
);
CREATE INDEX credential_exceptions_identity ON credential_exceptions (identity_id);
