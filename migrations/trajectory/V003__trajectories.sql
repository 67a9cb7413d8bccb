-- Persons, signals, trajectories, timeline, durable timers and tasks of the
-- trajectory service (issue #4). Personal data is stored only as
-- ciphertext (libsodium AEAD, key id inside each value, keys outside the
-- database); what stays in clear is what lists, rules and deadlines need.

CREATE TABLE trajectory.persons (
  id uuid PRIMARY KEY,
  -- Serialized PersonIdentity, sealed with context 'persons.identity/<id>'.
  identity bytea NOT NULL,
  key_id text NOT NULL,
  -- Keyed hash of normalised names + date of birth; NULL without a date of birth.
  blind_index bytea,
  blind_key_id text,
  created_at timestamptz NOT NULL
);
CREATE INDEX persons_blind_index ON trajectory.persons (blind_index) WHERE blind_index IS NOT NULL;
CREATE INDEX persons_key_id ON trajectory.persons (key_id);

CREATE TABLE trajectory.trajectories (
  id uuid PRIMARY KEY,
  person_id uuid REFERENCES trajectory.persons (id),
  -- The care-coordination organisation that runs it.
  organisation_id text NOT NULL,
  state smallint NOT NULL,
  age_status smallint NOT NULL DEFAULT 0,
  gender_identity smallint NOT NULL DEFAULT 0,
  accompanying_children integer NOT NULL DEFAULT 0 CHECK (accompanying_children >= 0),
  route smallint NOT NULL DEFAULT 0,
  -- Serialized Screening, sealed with context 'trajectories.screening/<id>'.
  screening bytea,
  screening_outcome smallint,
  coordinator_user_id text,
  non_punishment boolean NOT NULL DEFAULT false,
  reflection_state smallint NOT NULL DEFAULT 0,
  reflection_starts_at timestamptz,
  reflection_ends_at timestamptz,
  dublin_case boolean NOT NULL DEFAULT false,
  reflection_decision smallint NOT NULL DEFAULT 0,
  permit_valid_until timestamptz,
  closure_reason smallint NOT NULL DEFAULT 0,
  linked uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX trajectories_person ON trajectory.trajectories (person_id);
CREATE INDEX trajectories_by_created ON trajectory.trajectories (organisation_id, created_at DESC, id DESC);
CREATE INDEX trajectories_by_state ON trajectory.trajectories (organisation_id, state, created_at DESC, id DESC);
CREATE INDEX trajectories_by_coordinator ON trajectory.trajectories (organisation_id, coordinator_user_id, created_at DESC, id DESC);
-- The deadline window: running reflection periods by their end.
CREATE INDEX trajectories_reflection_ending ON trajectory.trajectories (organisation_id, reflection_ends_at, id)
  WHERE reflection_state = 2;

CREATE TABLE trajectory.signals (
  id uuid PRIMARY KEY,
  trajectory_id uuid NOT NULL REFERENCES trajectory.trajectories (id),
  organisation_id text NOT NULL,
  reporter_kind smallint NOT NULL,
  anonymous boolean NOT NULL,
  -- Sealed with context 'signals.observation/<id>'.
  observation bytea NOT NULL,
  key_id text NOT NULL,
  received_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX signals_by_received ON trajectory.signals (organisation_id, received_at DESC, id DESC);

-- One row per change, in the same transaction as the change. Never
-- personal data: kinds and attributes name states, routes, reasons, ids.
CREATE TABLE trajectory.timeline (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trajectory_id uuid NOT NULL REFERENCES trajectory.trajectories (id),
  organisation_id text NOT NULL,
  actor text NOT NULL,
  occurred_at timestamptz NOT NULL,
  kind text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_by_trajectory ON trajectory.timeline (trajectory_id, sequence);

-- Durable timers: claimed with FOR UPDATE SKIP LOCKED, so any number of
-- replicas can run and a timer fires once; its effect and its completion
-- commit together.
CREATE TABLE trajectory.timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trajectory_id uuid NOT NULL REFERENCES trajectory.trajectories (id),
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX timers_due ON trajectory.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_by_trajectory ON trajectory.timers (trajectory_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;

CREATE TABLE trajectory.tasks (
  id uuid PRIMARY KEY,
  trajectory_id uuid NOT NULL REFERENCES trajectory.trajectories (id),
  organisation_id text NOT NULL,
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  state smallint NOT NULL DEFAULT 1,
  assignee_user_id text,
  -- The timer that made it, at most one task per timer.
  timer_id bigint UNIQUE REFERENCES trajectory.timers (id),
  completed_by text,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX tasks_open ON trajectory.tasks (organisation_id, state, due_at, id);
