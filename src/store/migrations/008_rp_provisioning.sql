-- Provisioning to relying parties: the subject identifier each account was pushed under (the SCIM externalId and
-- userName), and whether the RP's service took muster's PIV extension schema or refused it.
ALTER TABLE rp_provisioning ADD COLUMN sub text;
ALTER TABLE rp_provisioning ADD COLUMN extension text;          -- sent | refused
CREATE INDEX rp_provisioning_client ON rp_provisioning (client_id, identity_id);
