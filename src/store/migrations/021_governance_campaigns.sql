-- Governance: certification campaigns, revocations they decide, separation-of-duties exceptions and violations,
-- and the MUR's PRIV object kept from the privileged entitlements and operator roles.

-- A campaign asks reviewers (managers or owners) to keep or revoke each item of its scope by its due date; items
-- left unanswered then follow its rule (revoke or escalate). status: open or closed.
CREATE TABLE campaigns (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  scope text NOT NULL,
  reviewers text NOT NULL,
  unanswered text NOT NULL,
  status text NOT NULL,
  due_at timestamptz NOT NULL,
  remind_every_days integer NOT NULL,
  reminded_at timestamptz,
  created_by text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL,
  closed_at timestamptz
);
CREATE INDEX campaigns_open ON campaigns (due_at) WHERE status = 'open';

-- One item per identity and entitlement (kind entitlement: a group of a target; kind role: an operator role,
-- target 'muster'). decision: keep or revoke, by the reviewer; outcome at the due date: kept, revoked,
-- revoked-unanswered or escalated.
CREATE TABLE campaign_items (
  id uuid PRIMARY KEY,
  campaign_id uuid NOT NULL REFERENCES campaigns (id),
  identity_id uuid NOT NULL REFERENCES identities (id),
  kind text NOT NULL,
  target text NOT NULL,
  entitlement text NOT NULL,
  privileged boolean NOT NULL,
  reviewer_id uuid REFERENCES identities (id),
  decision text,
  comment text,
  decided_by text,
  decided_at timestamptz,
  outcome text,
  closed_at timestamptz,
  UNIQUE (campaign_id, identity_id, kind, target, entitlement)
);
CREATE INDEX campaign_items_worklist ON campaign_items (reviewer_id, campaign_id) WHERE outcome IS NULL;

-- An entitlement taken away by a campaign stays away (the recompute leaves it out) until it is lifted.
CREATE TABLE access_revocations (
  id uuid PRIMARY KEY,
  identity_id uuid NOT NULL REFERENCES identities (id),
  target text NOT NULL,
  entitlement text NOT NULL,
  campaign_id uuid REFERENCES campaigns (id),
  item_id uuid REFERENCES campaign_items (id),
  reason text NOT NULL,
  revoked_by text NOT NULL,
  revoked_at timestamptz NOT NULL,
  lifted_by text,
  lifted_at timestamptz,
  lift_reason text
);
CREATE UNIQUE INDEX access_revocations_live ON access_revocations (identity_id, target, entitlement) WHERE lifted_at IS NULL;

-- A separation-of-duties conflict is mitigated only by a time-limited exception: an approver who is not the
-- holder, and the compensating control in force meanwhile.
CREATE TABLE sod_exceptions (
  id uuid PRIMARY KEY,
  identity_id uuid NOT NULL REFERENCES identities (id),
  policy text NOT NULL,
  approver text NOT NULL,
  compensating_control text NOT NULL,
  reason text NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_by text,
  revoked_at timestamptz
);
CREATE INDEX sod_exceptions_identity ON sod_exceptions (identity_id, policy);

-- Conflicts found by the detective scan: first and last seen, and when they stopped existing.
CREATE TABLE sod_violations (
  identity_id uuid NOT NULL REFERENCES identities (id),
  policy text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  resolved_at timestamptz,
  PRIMARY KEY (identity_id, policy)
);

-- PRIV: every privileged entitlement and every operator role is a privilege of the MUR, kept by the database as
-- they change (same id as the entitlement or role). A removed entitlement or revoked role stays, marked so.
CREATE FUNCTION muster_priv_from_entitlement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE privileges SET status = 'removed', updated_at = statement_timestamp() WHERE id = OLD.id;
    RETURN OLD;
  END IF;
  IF NEW.privileged THEN
    INSERT INTO privileges (id, identity_id, privilege_type, status, system, updated_at)
    VALUES (NEW.id, NEW.identity_id, NEW.entitlement, NEW.status, NEW.target, NEW.granted_at)
    ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = statement_timestamp()
      WHERE privileges.status IS DISTINCT FROM EXCLUDED.status;
  ELSE
    UPDATE privileges SET status = 'removed', updated_at = statement_timestamp() WHERE id = NEW.id AND status <> 'removed';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER entitlements_priv AFTER INSERT OR UPDATE OR DELETE ON entitlements FOR EACH ROW EXECUTE FUNCTION muster_priv_from_entitlement();

CREATE FUNCTION muster_priv_from_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO privileges (id, identity_id, privilege_type, status, system, updated_at)
  VALUES (NEW.id, NEW.identity_id, NEW.role, CASE WHEN NEW.revoked_at IS NULL THEN 'active' ELSE 'revoked' END, 'muster', COALESCE(NEW.revoked_at, NEW.granted_at))
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at;
  RETURN NEW;
END $$;
CREATE TRIGGER operator_roles_priv AFTER INSERT OR UPDATE ON operator_roles FOR EACH ROW EXECUTE FUNCTION muster_priv_from_role();

INSERT INTO privileges (id, identity_id, privilege_type, status, system, updated_at)
SELECT id, identity_id, entitlement, status, target, granted_at FROM entitlements WHERE privileged ON CONFLICT (id) DO NOTHING;
INSERT INTO privileges (id, identity_id, privilege_type, status, system, updated_at)
SELECT id, identity_id, role, CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END, 'muster', COALESCE(revoked_at, granted_at) FROM operator_roles ON CONFLICT (id) DO NOTHING;
