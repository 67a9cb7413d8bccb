-- The caseload shows each trajectory's next deadline: the earliest due of
-- its open tasks, asked for a page of trajectories at once.
CREATE INDEX tasks_by_trajectory ON trajectory.tasks (trajectory_id, state, due_at, id);
