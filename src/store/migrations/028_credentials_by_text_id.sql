-- A sign-in record names its credential by text (`oidc_logins.credential_id`: muster's own credentials by their id,
-- others by their own reference), and the session's subject joins it to `credentials` by `id::text`. Without an
-- index on that expression the join read every credential: at 100,000 credentials each of a sign-in's session
-- look-ups took about 50 ms on PostgreSQL instead of a fraction of one.
CREATE INDEX credentials_id_text ON credentials ((id::text));
