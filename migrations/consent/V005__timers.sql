-- What the consent and override machines schedule (their actions): a
-- granted consent's expiry, an acute override's 72-hour approval deadline
-- and an override's expiry. The owner is a consent or an override: the
-- kind says which ("consent.*", "override.*"), so there is no foreign key.
CREATE TABLE consent.timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_id uuid NOT NULL,
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX consent_timers_due ON consent.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX consent_timers_record ON consent.timers (record_id);

-- Timers of consents and overrides recorded before this: scheduled now as
-- their machines would have (a granted consent's expiry; an acting override's
-- approval deadline; an approved one's expiry).
INSERT INTO consent.timers (record_id, kind, due_at)
  SELECT id, 'consent.expiry', valid_until FROM consent.consents WHERE state = 1;
INSERT INTO consent.timers (record_id, kind, due_at)
  SELECT id, 'override.approval_due', approval_due_at FROM consent.overrides
  WHERE state = 1 AND approval_due_at IS NOT NULL;
INSERT INTO consent.timers (record_id, kind, due_at)
  SELECT id, 'override.expiry', expires_at FROM consent.overrides WHERE state = 2;

-- And the task a second coordinator needs for an override still waiting for
-- approval, which the override machine asks for when it is requested
-- (through the feed the trajectory service follows).
INSERT INTO consent.outbox (event_type, trajectory_id, subject, attributes, occurred_at)
  SELECT 'task.requested', trajectory_id, 'overrides/' || id::text,
         jsonb_build_object('task', 'override.approval_needed'), now()
  FROM consent.overrides WHERE state IN (0, 1);
