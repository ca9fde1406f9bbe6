-- A hold: a security officer suspends an identity now and no source can lift it. At most one
-- active hold per identity; a release must come from another actor than the one who placed it.
-- source_status: the status the authoritative source asked for while the hold stood (the status on release).
CREATE TABLE identity_holds (
  id uuid PRIMARY KEY,
  identity_id uuid NOT NULL REFERENCES identities (id),
  reason text NOT NULL,
  placed_by text NOT NULL,
  placed_at timestamptz NOT NULL,
  prior_status text NOT NULL,
  source_status text,
  released_by text,
  released_at timestamptz,
  release_reason text
);
CREATE UNIQUE INDEX identity_holds_active ON identity_holds (identity_id) WHERE released_at IS NULL;
