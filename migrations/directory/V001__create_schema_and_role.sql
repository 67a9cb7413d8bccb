-- The directory service's schema and its own database role (DESIGN.md §6:
-- least privilege). The role logs in, uses its own schema and nothing else;
-- the schema is owned by the migrating role, so the service cannot change
-- its own structure.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ketenregie_directory') THEN
    CREATE ROLE ketenregie_directory LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;

CREATE SCHEMA directory;
REVOKE ALL ON SCHEMA directory FROM PUBLIC;
GRANT USAGE ON SCHEMA directory TO ketenregie_directory;
-- Tables and sequences that later migrations create here are the service's
-- to read and write (the audit schema narrows this in its own migrations).
ALTER DEFAULT PRIVILEGES IN SCHEMA directory
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ketenregie_directory;
ALTER DEFAULT PRIVILEGES IN SCHEMA directory
  GRANT USAGE, SELECT ON SEQUENCES TO ketenregie_directory;
