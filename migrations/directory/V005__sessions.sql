-- Browser sessions (DESIGN.md §6, issue #13 item 4), kept by the directory
-- service so every replica of the gateway shares them and a deactivation
-- ends them. A session is known by the SHA-256 of its id only: the id
-- lives in the browser's cookie and the gateway's memory of one request, so
-- a copy of this table opens no session.
CREATE TABLE directory.sessions (
  session_hash text PRIMARY KEY CHECK (session_hash ~ '^[0-9a-f]{64}$'),
  organisation_id text NOT NULL,
  user_id text NOT NULL,
  logged_in_at timestamptz NOT NULL,
  last_request_at timestamptz NOT NULL,
  -- Logout, or a change of the account that ends its sessions.
  ended_at timestamptz,
  FOREIGN KEY (organisation_id, user_id) REFERENCES directory.users
);
CREATE INDEX sessions_open_of_user ON directory.sessions (organisation_id, user_id)
  WHERE ended_at IS NULL;
-- Sessions long past their absolute end are removed (the login itself is on
-- the audit trail).
CREATE INDEX sessions_by_login ON directory.sessions (logged_in_at);
