-- Confusable skeletons (Unicode TR #39) of each identity's name and email, so that a new person who only looks like
-- an existing one (a Cyrillic "о" in an email) is found with one indexed lookup and disputed, not created beside it.
-- Written with every identity version (src/mur/skeleton.ts); null where the attributes are missing.
ALTER TABLE identities ADD COLUMN name_skeleton text;
ALTER TABLE identities ADD COLUMN email_skeleton text;
CREATE INDEX identities_name_skeleton ON identities (name_skeleton) WHERE name_skeleton IS NOT NULL;
CREATE INDEX identities_email_skeleton ON identities (email_skeleton) WHERE email_skeleton IS NOT NULL;
