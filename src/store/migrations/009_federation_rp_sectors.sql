-- Pairwise sectors are per relying party (or per shared sector identifier URI), no longer the host of the redirect
-- URIs. An RP that already knows a person keeps the subject identifier it has: host_sector marks a subject derived
-- under the host rule, served as it is until the person's federated identifier is changed.
ALTER TABLE federation_rp_subjects ADD COLUMN host_sector boolean NOT NULL DEFAULT false;
UPDATE federation_rp_subjects SET host_sector = true;
