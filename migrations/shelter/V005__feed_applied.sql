-- The events of other services' feeds that took effect here, by source and
-- the source's sequence, written in the same transaction as their effect
-- (common::FollowFeedWith). A feed delivers at least once; this makes the
-- effect exactly once even when an event comes again or a cursor moves back.
CREATE TABLE shelter.feed_applied (
  source text NOT NULL,
  sequence bigint NOT NULL,
  PRIMARY KEY (source, sequence)
);
