-- Console sessions of two kinds (docs/console-self-service.md): `operator`, opened for an identity holding a fixed
-- operator role, which opens the pages of its roles; and `self`, opened for any other active person who signed in with
-- their own PIV card or Derived PIV credential, which opens only the cardholder's own pages (their credentials, a card
-- reported lost, a Derived PIV binding, the relying parties that know them). The kind is fixed when the session opens.
ALTER TABLE console_sessions ADD COLUMN kind text NOT NULL DEFAULT 'operator' CHECK (kind IN ('operator', 'self'));
