-- The reports of a manager: identities whose MUR `manager` attribute names the manager (an employee id or an identity
-- id). A target whose accounts name their manager's account (Active Directory) looks them up whenever a manager's
-- account is made, linked, enabled or disabled there (src/lifecycle/provision/managers-repository.ts), and the console's
-- report picker lists a manager's direct reports.
CREATE INDEX identities_manager ON identities ((attributes -> 'manager' ->> 'v'));
