-- The approval queue: the overrides of every trajectory of one
-- organisation, oldest request first (ListOverrides with trajectory "-").
CREATE INDEX overrides_by_organisation ON consent.overrides (organisation_id, requested_at, id);
