-- Shelters, placements and their durable timers (issue #6). A shelter's
-- address is LOCATION data: stored only as ciphertext.

CREATE TABLE shelter.shelters (
  id uuid PRIMARY KEY,
  display_name text NOT NULL,
  kind smallint NOT NULL,
  operator_organisation_id text NOT NULL,
  capacity_beds integer NOT NULL CHECK (capacity_beds >= 0),
  -- Sealed with context 'shelters.address/<id>'.
  address bytea NOT NULL,
  key_id text NOT NULL,
  created_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX shelters_by_kind ON shelter.shelters (kind, display_name, id);

CREATE TABLE shelter.placements (
  id uuid PRIMARY KEY,
  shelter_id uuid NOT NULL REFERENCES shelter.shelters (id),
  trajectory_id uuid NOT NULL,
  state smallint NOT NULL,
  accompanying_children integer NOT NULL CHECK (accompanying_children >= 0),
  beds integer NOT NULL CHECK (beds >= 1),
  starts_at timestamptz NOT NULL,
  planned_end_at timestamptz,
  -- Crisis only: starts_at + 3 months (R-CRISIS-MAX-3M).
  limit_at timestamptz,
  ended_at timestamptz,
  -- Past the three months and still placed: shown until it ends.
  overdue boolean NOT NULL DEFAULT false,
  move_on smallint NOT NULL DEFAULT 0,
  -- Free text may describe the person: sealed, 'placements.continuation/<id>'.
  continuation_reason bytea,
  requested_by_organisation text NOT NULL,
  requested_by_user text NOT NULL,
  created_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX placements_by_shelter ON shelter.placements (shelter_id, state, created_at DESC, id DESC);
CREATE INDEX placements_by_trajectory ON shelter.placements (trajectory_id, state);
CREATE INDEX placements_by_requester ON shelter.placements (requested_by_organisation, created_at DESC, id DESC);

CREATE TABLE shelter.timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  placement_id uuid NOT NULL REFERENCES shelter.placements (id),
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX shelter_timers_due ON shelter.timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX shelter_timers_by_placement ON shelter.timers (placement_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;
