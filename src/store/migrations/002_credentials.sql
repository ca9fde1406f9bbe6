-- muster credentials: the X.509 certificates issued for PIV cards, and the FASC-N credential numbers.
-- Proofing and sponsor approval are recorded on the card (credentials.details) and in the audit log.

CREATE TABLE certificates (
  serial         text PRIMARY KEY,            -- lowercase hex, as the CA wrote it
  issuer         text NOT NULL,               -- the issuing CA's distinguished name
  identity_id    uuid NOT NULL REFERENCES identities (id),
  credential_id  uuid NOT NULL REFERENCES credentials (id),
  profile        text NOT NULL,               -- piv-auth | card-auth
  status         text NOT NULL DEFAULT 'good' CHECK (status IN ('good', 'revoked')),
  revoked_at     timestamptz,
  reason         text,
  not_before     timestamptz NOT NULL,
  not_after      timestamptz NOT NULL,
  der            bytea NOT NULL,
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX certificates_identity ON certificates (identity_id);
CREATE INDEX certificates_issuer_revoked ON certificates (issuer) WHERE status = 'revoked';

-- The FASC-N credential number (6 digits) of each new card; never reused.
CREATE SEQUENCE piv_credential_number MINVALUE 1 MAXVALUE 999999 NO CYCLE;

CREATE UNIQUE INDEX credentials_piv_reference ON credentials (reference) WHERE type = 'piv_card';
