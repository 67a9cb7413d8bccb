-- The timeline is a record: the service appends, it never rewrites or
-- deletes an entry (review of issue #4).
REVOKE UPDATE, DELETE, TRUNCATE ON trajectory.timeline FROM ketenregie_trajectory;
