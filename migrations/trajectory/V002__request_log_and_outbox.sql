-- Idempotent mutations (DESIGN.md §7): the first answer to a request_id is
-- kept, and a retry returns it without writing anything new. Keyed by the
-- calling organisation so one partner's ids never collide with another's.
CREATE TABLE trajectory.request_log (
  organisation_id text NOT NULL,
  request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
  method text NOT NULL,
  -- SHA-256 of the request, to refuse a reused id with a different request.
  request_digest bytea NOT NULL,
  -- The serialized response; never holds data the caller may not see again.
  response bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, request_id)
);

-- Transactional outbox (DESIGN.md §4): written in the same transaction as the
-- change, served by ListEvents from a consumer's cursor. The feed is read in
-- (transaction_id, sequence) order and only below the oldest transaction
-- still running (pg_snapshot_xmin), so an event whose transaction commits
-- after a later-numbered one is never skipped by a consumer's cursor.
CREATE TABLE trajectory.outbox (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type text NOT NULL,
  trajectory_id uuid,
  subject text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX outbox_feed ON trajectory.outbox (transaction_id, sequence);
