-- Optimistic concurrency for edit forms: every write of an entity increments its version, and an update
-- that names the version its form was filled from (expectedVersion) is refused when it is no longer
-- current, instead of overwriting what someone else saved in between.
alter table member add column version integer not null default 1;
alter table best_practice add column version integer not null default 1;
alter table digital_tool add column version integer not null default 1;
alter table funding_opportunity add column version integer not null default 1;
