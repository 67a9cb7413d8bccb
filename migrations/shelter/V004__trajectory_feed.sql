-- Where the shelter service is in the trajectory service's event feed. When
-- a trajectory closes, its placement requests are cancelled and a placement
-- that holds a bed gets its coordinator a task (R-CLOSE-REQUIRES): the
-- closing asked for open placements, and this catches one confirmed in the
-- moment between that question and the closing. The cursor moves in the
-- same transaction as those effects.
CREATE TABLE shelter.feed_cursors (
  source text PRIMARY KEY,
  cursor text NOT NULL DEFAULT ''
);
INSERT INTO shelter.feed_cursors (source) VALUES ('trajectory');
