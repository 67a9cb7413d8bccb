-- A sent handoff's answer deadline (issue #5: no answer in time → the
-- coordinator gets a task).
CREATE TABLE handoff.timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  handoff_id uuid NOT NULL REFERENCES handoff.handoffs (id),
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX handoff_timers_due ON handoff.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
