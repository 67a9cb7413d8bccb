-- The directory (DESIGN.md §6, issue #13): the organisations of the chain,
-- their users and the users' roles, kept by the directory service alone.
-- The other services never read these tables: they follow the directory
-- service's GetDirectory, which answers from `revision` whether anything
-- changed.

-- An organisation's id is the common name of its mTLS certificate; its type
-- is stored by name (workflow::OrganisationTypeFromString), as the seed
-- files name it.
CREATE TABLE directory.organisations (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._@-]{0,127}$'),
  type text NOT NULL,
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL
);

-- A user is a pseudonymous handle within an organisation. Roles are stored
-- by their names (workflow::RoleFromString); the state by the codes of
-- directory::kAccountStates.
CREATE TABLE directory.users (
  organisation_id text NOT NULL REFERENCES directory.organisations (id),
  user_id text NOT NULL CHECK (user_id ~ '^[a-z0-9][a-z0-9._@-]{0,127}$'),
  roles text[] NOT NULL,
  state smallint NOT NULL,
  version bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deactivated_at timestamptz,
  PRIMARY KEY (organisation_id, user_id)
);

-- One row: moves on with every change, in the change's transaction (the
-- row lock orders the changes). A copy that holds this revision holds the
-- directory.
CREATE TABLE directory.revision (
  id smallint PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO directory.revision VALUES (1, 0);
REVOKE INSERT, DELETE, TRUNCATE ON directory.revision FROM ketenregie_directory;

-- Every change is on the audit trail, in its own transaction (DESIGN.md §5).
GRANT USAGE ON SCHEMA audit TO ketenregie_directory;
GRANT SELECT, INSERT ON audit.records TO ketenregie_directory;
GRANT SELECT, UPDATE ON audit.head TO ketenregie_directory;

-- An account is deactivated, never deleted: the audit trail names it.
REVOKE DELETE, TRUNCATE ON directory.organisations, directory.users FROM ketenregie_directory;
