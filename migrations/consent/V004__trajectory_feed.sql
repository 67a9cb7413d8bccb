-- The consent service follows the trajectory service's feed: when a person
-- is no longer treated as a minor ("trajectory.adult": confirmed adult, or
-- her 18th birthday), what a guardian granted for her ends
-- (R-CONSENT-GUARDIAN). The cursor moves, and each applied event is
-- remembered, in the same transaction as those effects.
CREATE TABLE consent.feed_cursors (
  source text PRIMARY KEY,
  cursor text NOT NULL DEFAULT ''
);
INSERT INTO consent.feed_cursors (source) VALUES ('trajectory');

CREATE TABLE consent.feed_applied (
  source text NOT NULL,
  sequence bigint NOT NULL,
  PRIMARY KEY (source, sequence)
);
