-- Governance reaching further: separation-of-duties refusals remembered so that each is audited once, and the
-- deletion of a terminated identity's accounts where the target's policy asks for it at archive.

-- A grant the recompute refused for separation of duties, per identity, policy and entitlement: audited when it
-- first appears; each later recompute that refuses it again only counts (`repeats`, shown in /metrics). The row
-- goes when the refusal stops (the grant flows, or nothing asks for it), so a conflict that comes back is audited again.
CREATE TABLE sod_refusals (
  identity_id uuid NOT NULL REFERENCES identities (id),
  policy text NOT NULL,
  target text NOT NULL,
  entitlement text NOT NULL,
  first_refused_at timestamptz NOT NULL,
  last_refused_at timestamptz NOT NULL,
  repeats integer NOT NULL DEFAULT 0,
  PRIMARY KEY (identity_id, policy, target, entitlement)
);

-- An account whose target deletes the accounts of archived identities (`deleteOnArchive`) passes to `deleted` when
-- its identity is archived: provisioning deletes it in the target; the row stays in the MUR with its history.
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;
