-- The privacy officer searches the trail by organisation, actor and period
-- as well as by trajectory (ListRecords). Each filter gets an index that
-- keeps chain order, so a search over ten years of records reads only its
-- own rows.
CREATE INDEX records_by_organisation ON audit.records (organisation_id, sequence);
CREATE INDEX records_by_actor ON audit.records (actor, sequence);
CREATE INDEX records_by_action ON audit.records (action, sequence);
CREATE INDEX records_by_decision ON audit.records (decision, sequence);
CREATE INDEX records_by_time ON audit.records (occurred_at, sequence);
