-- The audit trail (DESIGN.md §5, issue #5): every disclosure and every read
-- of personal data, appended by the acting service in the same transaction
-- as the action (or the action fails), hash-chained. Service roles may
-- insert and read records, never change or delete them; the chain head is
-- the one row they update, under a lock that orders all appends.

CREATE TABLE audit.records (
  sequence bigint PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  organisation_id text NOT NULL,
  actor text NOT NULL,
  trajectory_id uuid,
  action smallint NOT NULL,
  categories smallint[] NOT NULL DEFAULT '{}',
  basis_id text NOT NULL DEFAULT '',
  decision smallint NOT NULL,
  method text NOT NULL,
  previous_hash bytea NOT NULL,
  hash bytea NOT NULL
);
CREATE INDEX records_by_trajectory ON audit.records (trajectory_id, sequence);

CREATE TABLE audit.head (
  id smallint PRIMARY KEY CHECK (id = 1),
  sequence bigint NOT NULL,
  hash bytea NOT NULL
);
INSERT INTO audit.head VALUES (1, 0, decode(repeat('00', 32), 'hex'));

REVOKE UPDATE, DELETE, TRUNCATE ON audit.records FROM ketenregie_audit;
GRANT USAGE ON SCHEMA audit TO ketenregie_trajectory, ketenregie_shelter, ketenregie_consent,
  ketenregie_handoff;
GRANT SELECT, INSERT ON audit.records TO ketenregie_trajectory, ketenregie_shelter,
  ketenregie_consent, ketenregie_handoff;
GRANT SELECT, UPDATE ON audit.head TO ketenregie_trajectory, ketenregie_shelter,
  ketenregie_consent, ketenregie_handoff;
REVOKE DELETE, TRUNCATE, INSERT ON audit.head FROM ketenregie_audit;
