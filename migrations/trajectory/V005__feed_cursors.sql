-- Where the trajectory service is in each other service's event feed. The
-- cursor moves in the same transaction as the effects of the events it
-- passes, so an event is applied exactly once however often it is delivered.
CREATE TABLE trajectory.feed_cursors (
  source text PRIMARY KEY,
  cursor text NOT NULL DEFAULT ''
);
INSERT INTO trajectory.feed_cursors (source) VALUES ('shelter');
