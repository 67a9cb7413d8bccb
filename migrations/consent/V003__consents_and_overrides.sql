-- Consent records and legal-basis overrides (issue #5). A granted consent
-- is never edited: only its state moves on (withdrawn, expired,
-- superseded). Free text (an override's justification) is sealed.

CREATE TABLE consent.consents (
  id uuid PRIMARY KEY,
  trajectory_id uuid NOT NULL,
  -- The care-coordination organisation that recorded it.
  organisation_id text NOT NULL,
  state smallint NOT NULL,
  grantor smallint NOT NULL,
  guardian_organisation_id text,
  -- A named organisation, or (NULL) every organisation of recipient_type.
  recipient_organisation_id text,
  recipient_type smallint NOT NULL,
  categories smallint[] NOT NULL,
  purpose smallint NOT NULL,
  method smallint NOT NULL,
  interpreter_used boolean NOT NULL,
  recorded_by text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  supersedes uuid REFERENCES consent.consents (id),
  created_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX consents_by_trajectory ON consent.consents (trajectory_id, created_at, id);

CREATE TABLE consent.overrides (
  id uuid PRIMARY KEY,
  trajectory_id uuid NOT NULL,
  organisation_id text NOT NULL,
  state smallint NOT NULL,
  basis smallint NOT NULL,
  acute_danger boolean NOT NULL,
  -- Sealed with context 'overrides.justification/<id>'.
  justification bytea NOT NULL,
  recipient_organisation_id text NOT NULL,
  recipient_type smallint NOT NULL,
  categories smallint[] NOT NULL,
  purpose smallint NOT NULL,
  requested_by text NOT NULL,
  approved_by text,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  approval_due_at timestamptz,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX overrides_by_trajectory ON consent.overrides (trajectory_id, requested_at, id);
