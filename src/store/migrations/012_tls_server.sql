-- The TLS issuing CA: a subordinate of the root, apart from the PIV issuing CA, that issues the mutual-TLS
-- listener's server certificates. Its key is software, encrypted like the OCSP responder's.
ALTER TABLE ca_keys DROP CONSTRAINT ca_keys_role_check;
ALTER TABLE ca_keys ADD CONSTRAINT ca_keys_role_check CHECK (role IN ('root', 'issuing', 'ocsp', 'tls'));

-- Every TLS server certificate the mutual-TLS listener served: issued by the TLS CA at a start, or configured.
CREATE TABLE tls_certificates (
  issuer       text NOT NULL,
  serial       text NOT NULL,               -- lowercase hex
  source       text NOT NULL CHECK (source IN ('issued', 'configured')),
  subject      text NOT NULL,
  hostnames    jsonb NOT NULL,
  not_before   timestamptz NOT NULL,
  not_after    timestamptz NOT NULL,
  der          bytea NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (issuer, serial, source)
);
