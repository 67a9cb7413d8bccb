-- Handoffs (referrals) to partners and the partner inbox (issue #5). The
-- message may describe the person: sealed. A packet is never stored: it is
-- assembled at read time from what the disclosure decision permits then.

CREATE TABLE handoff.handoffs (
  id uuid PRIMARY KEY,
  trajectory_id uuid NOT NULL,
  organisation_id text NOT NULL,
  recipient_organisation_id text NOT NULL,
  purpose smallint NOT NULL,
  state smallint NOT NULL,
  -- Sealed with context 'handoffs.message/<id>'.
  message bytea NOT NULL,
  reason text NOT NULL DEFAULT '',
  assigned_office text NOT NULL DEFAULT '',
  sent_at timestamptz,
  answer_due_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX handoffs_by_trajectory ON handoff.handoffs (trajectory_id, created_at, id);
CREATE INDEX handoffs_inbox ON handoff.handoffs (recipient_organisation_id, created_at DESC, id DESC);

CREATE TABLE handoff.feed_cursors (
  source text PRIMARY KEY,
  cursor text NOT NULL DEFAULT ''
);
INSERT INTO handoff.feed_cursors (source) VALUES ('consent');
