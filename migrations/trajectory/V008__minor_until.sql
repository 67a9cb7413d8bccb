-- R-AGE-DATE-OF-BIRTH: her 18th birthday by the date of birth on record,
-- while it is still to come (NULL otherwise). Until then she is a child
-- whatever age status is recorded; the durable timer "age.turns_18" fires
-- on it and clears it. The date of birth itself stays sealed in
-- trajectory.persons; this moment is what the rules and the timer need.
ALTER TABLE trajectory.trajectories ADD COLUMN minor_until timestamptz;

-- A person's identity can now be corrected (the date of birth: sealed
-- again, blind index recomputed).
