-- The trajectory service also follows the handoff service's events (the
-- care plan in the timeline; unanswered handoffs as tasks).
INSERT INTO trajectory.feed_cursors (source) VALUES ('handoff');
