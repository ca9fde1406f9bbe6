-- Certification campaigns over a trust agreement (scope agreement:<id>): one item per identity and relying party of
-- the agreement that knows the identity (kind rp, target agreement:<id>, entitlement the client id). `detail` keeps
-- what the item shows the reviewer: the attributes released, the consent, the first and last sign-in, the account
-- pushed. A revoked item is an access_revocations row (target agreement:<id>, entitlement the client id): the OP
-- refuses the sign-in and provisioning keeps the RP account away until it is lifted.
ALTER TABLE campaign_items ADD COLUMN detail jsonb;
