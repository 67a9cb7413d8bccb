-- The trajectory service's schema and its own database role (DESIGN.md §6:
-- least privilege). The role logs in, uses its own schema and nothing else;
-- the schema is owned by the migrating role, so the service cannot change
-- its own structure.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ketenregie_trajectory') THEN
    CREATE ROLE ketenregie_trajectory LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

CREATE SCHEMA trajectory;
REVOKE ALL ON SCHEMA trajectory FROM PUBLIC;
GRANT USAGE ON SCHEMA trajectory TO ketenregie_trajectory;
-- Tables and sequences that later migrations create here are the service's
-- to read and write (the audit schema narrows this in its own migrations).
ALTER DEFAULT PRIVILEGES IN SCHEMA trajectory
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ketenregie_trajectory;
ALTER DEFAULT PRIVILEGES IN SCHEMA trajectory
  GRANT USAGE, SELECT ON SEQUENCES TO ketenregie_trajectory;
