-- Idempotent mutations (DESIGN.md §7): the first answer to a request_id is
-- kept, and a retry returns it without writing anything new. Keyed by the
-- calling organisation so one organisation's ids never collide with another's.
CREATE TABLE directory.request_log (
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
