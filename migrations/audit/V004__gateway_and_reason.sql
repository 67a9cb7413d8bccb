-- Through the front door (issue #13, R-ACCESS-GATEWAY): a record says which
-- gateway carried a person's call and a hash of their session, so the
-- privacy officer sees the calls of one login together; a refusal says
-- which rule refused. Empty for the records before, and for direct calls.
ALTER TABLE audit.records
  ADD COLUMN gateway text NOT NULL DEFAULT '',
  ADD COLUMN session_hash text NOT NULL DEFAULT '',
  ADD COLUMN reason text NOT NULL DEFAULT '';
