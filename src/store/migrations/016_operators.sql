-- Operators: identities of the MUR holding operator roles (docs/operators.md). A role is granted with a
-- reason by an operator-admin (or the bootstrap, while no operator exists), and ended by revoking it.
-- Roles are not entitlements in a target: access policies never compute them and provisioning never pushes them.
CREATE TABLE operator_roles (
  id uuid PRIMARY KEY,
  identity_id uuid NOT NULL REFERENCES identities (id),
  role text NOT NULL,
  reason text NOT NULL,
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL,
  revoked_by text,
  revoked_at timestamptz,
  revoke_reason text
);
CREATE UNIQUE INDEX operator_roles_held ON operator_roles (identity_id, role) WHERE revoked_at IS NULL;

-- A token belongs to one operator, carries a subset of its roles, and expires. Tokens from before
-- operators named nobody: they are revoked here and can no longer be used.
ALTER TABLE api_tokens
  ADD COLUMN identity_id uuid REFERENCES identities (id),
  ADD COLUMN roles jsonb NOT NULL DEFAULT '[]'::jsonb,
  ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET revoked_at = created_at WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_identity ON api_tokens (identity_id) WHERE revoked_at IS NULL;
