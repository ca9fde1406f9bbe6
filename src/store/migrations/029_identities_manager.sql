-- A manager's direct reports (the console's report picker, a request for a report) are found through their manager
-- attribute, by employee id or identity id, without reading every identity.
CREATE INDEX identities_manager ON identities ((attributes -> 'manager' ->> 'v'));
