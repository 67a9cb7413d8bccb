-- The trajectory service follows the consent service's feed too: consents
-- and overrides appear in the coordinator's timeline, and what the consent
-- and override machines ask of the coordinator (an acute override to be
-- approved by a second coordinator within 72 hours, a consent that expired)
-- becomes a task.
INSERT INTO trajectory.feed_cursors (source) VALUES ('consent');
