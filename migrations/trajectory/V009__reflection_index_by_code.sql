-- The deadline window (running reflection periods by their end) was a
-- partial index on a literal state code, `WHERE reflection_state = 2`. The
-- statement now takes the code as a parameter from the one table of stored
-- codes (services/trajectory/storage.h), which a partial index on a literal
-- cannot serve; the code becomes the index's second column instead.
DROP INDEX trajectory.trajectories_reflection_ending;
CREATE INDEX trajectories_reflection_ending
  ON trajectory.trajectories (organisation_id, reflection_state, reflection_ends_at, id);
