-- muster shared-signals transmitter: delivery order, verification pacing, subjects a receiver removed, single-use
-- receiver assertions, and the account-purged sweep's record.

-- SETs of one stream go out in the order they were made; several SETs made in one transaction share a timestamp.
ALTER TABLE ssf_events ADD COLUMN seq bigserial;
CREATE INDEX ssf_events_stream_seq ON ssf_events (stream_id, seq) WHERE state IN ('pending', 'held');

-- When the receiver last asked for a verification event (min_verification_interval); whether muster made the stream
-- itself from the agreement (the receiver's own create then takes it over).
ALTER TABLE ssf_streams ADD COLUMN verification_requested_at timestamptz;
ALTER TABLE ssf_streams ADD COLUMN implicit boolean NOT NULL DEFAULT false;

-- Subjects a receiver removed from its stream (default_subjects ALL): no events about them until added again.
CREATE TABLE ssf_stream_removed_subjects (
  stream_id   text NOT NULL,
  sub         text NOT NULL,
  removed_at  timestamptz NOT NULL,
  PRIMARY KEY (stream_id, sub)
);

-- jti of every receiver bearer assertion seen, until it expires: each is accepted once.
CREATE TABLE ssf_receiver_assertions (
  jti         text PRIMARY KEY,
  client_id   text NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX ssf_receiver_assertions_expiry ON ssf_receiver_assertions (expires_at);

-- Identities whose account-purged signal has been queued (once, after lifecycle.archiveAfterDays).
CREATE TABLE ssf_purged_identities (
  identity_id  uuid PRIMARY KEY REFERENCES identities (id),
  queued_at    timestamptz NOT NULL
);
