-- A change that is about no trajectory names what it changed (issue #13):
-- the directory service's records of users created, their roles changed,
-- deactivated or reactivated name the user ("users/<organisation>/<user>").
-- Empty for every record before, which keep their hashes (AuditHash hashes
-- the field only when it is set).
ALTER TABLE audit.records ADD COLUMN subject text NOT NULL DEFAULT '';
