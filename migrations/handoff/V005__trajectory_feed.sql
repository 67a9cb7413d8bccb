-- The handoff service follows the trajectory service's feed: a trajectory
-- that closes has its drafts and unanswered handoffs revoked
-- (R-CLOSE-REQUIRES), also one sent in the moment the closing was checked.
INSERT INTO handoff.feed_cursors (source) VALUES ('trajectory');
