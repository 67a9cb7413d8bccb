-- Logins (DESIGN.md §6, issue #13 item 3), kept with the accounts by the
-- directory service alone. No secret is stored in clear: the password and
-- the recovery and enrolment codes as argon2id strings (their cost inside,
-- so it can be raised), the authenticator secret sealed with the
-- deployment's key (common::Keyring::Seal).
ALTER TABLE directory.users
  ADD COLUMN password_hash text,
  -- The app's secret once set up, and the one being set up (StartEnrolment).
  ADD COLUMN totp_secret bytea,
  ADD COLUMN pending_totp_secret bytea,
  -- The last accepted 30-second step: a code counts once (R-LOGIN-CODE-ONCE).
  ADD COLUMN totp_last_step bigint,
  -- Hashes of the unused recovery codes.
  ADD COLUMN recovery_codes text[] NOT NULL DEFAULT '{}',
  ADD COLUMN enrolment_code_hash text,
  ADD COLUMN enrolment_issued_at timestamptz,
  -- Failed logins since the last successful one (R-LOGIN-THROTTLE).
  ADD COLUMN failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  ADD COLUMN last_failed_login_at timestamptz,
  ADD COLUMN last_login_at timestamptz,
  ADD CONSTRAINT enrolment_code_with_its_time
    CHECK ((enrolment_code_hash IS NULL) = (enrolment_issued_at IS NULL));

-- Failed logins per client address (R-LOGIN-THROTTLE), in windows of 15
-- minutes. The address only as a keyed hash (Keyring::BlindIndex); a row
-- whose window has passed is removed with the next failure.
CREATE TABLE directory.login_addresses (
  address_key bytea PRIMARY KEY,
  failures integer NOT NULL CHECK (failures > 0),
  window_started_at timestamptz NOT NULL,
  last_failed_at timestamptz NOT NULL
);

-- Failed logins for an organisation and user the directory does not have
-- (R-LOGIN-THROTTLE), by the keyed hash of what was typed: such a claim is
-- slowed down and locked like an account, so the answers do not tell which
-- accounts exist. A row is removed a day after its last failure.
CREATE TABLE directory.login_claims (
  claim_key bytea PRIMARY KEY,
  failures integer NOT NULL CHECK (failures > 0),
  last_failed_at timestamptz NOT NULL
);
