-- Governance: the catalogue of requestable access, requests with their approvals, and just-in-time activations.
-- Catalogue items are versioned like access policies: every save adds a version, the newest enabled one is offered.
CREATE TABLE catalogue_items (
  name text NOT NULL,
  version integer NOT NULL,
  kind text NOT NULL,
  document jsonb NOT NULL,
  enabled boolean NOT NULL,
  author text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (name, version)
);

-- A request for one catalogue item for one beneficiary. status: pending (waiting on step `step` of `chain`),
-- granted, denied, expired (no decision in time after escalation), reapproval (a mover's grant waiting for its
-- owner), ended (its end date passed, or it was ended). The grant columns (target, entitlement, role) are copied
-- from the item version when the request is made: the access recompute reads granted rows without knowing the
-- catalogue. `approvers` lists who may decide the current step (identity ids). A just-in-time grant gives access only while `active_until` lies ahead.
CREATE TABLE access_requests (
  id uuid PRIMARY KEY,
  item text NOT NULL,
  item_version integer NOT NULL,
  kind text NOT NULL,
  beneficiary_id uuid NOT NULL REFERENCES identities (id),
  requester_id uuid NOT NULL REFERENCES identities (id),
  requested_by text NOT NULL,
  justification text NOT NULL,
  ends_at timestamptz NOT NULL,
  status text NOT NULL,
  chain jsonb NOT NULL,
  step integer NOT NULL DEFAULT 0,
  approvers jsonb NOT NULL DEFAULT '[]'::jsonb,
  step_due_at timestamptz,
  escalated_to uuid REFERENCES identities (id),
  target text,
  entitlement text,
  role text,
  privileged boolean NOT NULL,
  jit boolean NOT NULL DEFAULT false,
  active_until timestamptz,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX access_requests_beneficiary ON access_requests (beneficiary_id, status);
CREATE INDEX access_requests_due ON access_requests (step_due_at) WHERE status IN ('pending', 'reapproval');
CREATE INDEX access_requests_ends ON access_requests (ends_at) WHERE status = 'granted';
CREATE INDEX access_requests_active ON access_requests (active_until) WHERE jit AND active_until IS NOT NULL;

-- Each decision on a request: who decided (an identity of the MUR), at which step, and why.
CREATE TABLE access_approvals (
  id uuid PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES access_requests (id),
  step integer NOT NULL,
  approver_id uuid NOT NULL REFERENCES identities (id),
  decision text NOT NULL,
  reason text NOT NULL,
  decided_at timestamptz NOT NULL
);
CREATE INDEX access_approvals_request ON access_approvals (request_id, step);

-- Just-in-time activations: when an eligible person activated a grant, how they proved a fresh sign-in, and until when.
CREATE TABLE access_activations (
  id uuid PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES access_requests (id),
  identity_id uuid NOT NULL REFERENCES identities (id),
  method text NOT NULL,
  evidence jsonb NOT NULL,
  activated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX access_activations_open ON access_activations (expires_at) WHERE ended_at IS NULL;

-- Nonces a card holder signs with the PIV Authentication key to activate a just-in-time grant from the command line.
CREATE TABLE access_challenges (
  nonce text PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES access_requests (id),
  identity_id uuid NOT NULL REFERENCES identities (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
