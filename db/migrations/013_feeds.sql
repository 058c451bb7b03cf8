-- When a best practice was first published: the Atom feed's <published>. Neither created_at (a practice
-- is often entered as a draft and published weeks later) nor updated_at (every edit) says it. A trigger
-- sets it, so that every write path records it without knowing of feeds; archiving or unpublishing keeps
-- it, and publishing again does not move it.
alter table best_practice add column published_at timestamptz;
-- Practices published before: when they were entered, the best the hub knows. The search index holds no
-- publication date, so this backfill is no change for it (its trigger would queue every practice).
alter table best_practice disable trigger best_practice_search_update;
update best_practice set published_at = created_at where status <> 'DRAFT';
alter table best_practice enable trigger best_practice_search_update;

create function best_practice_published_at() returns trigger language plpgsql as $$
begin
    if new.status = 'PUBLISHED' and new.published_at is null then
        new.published_at := now();
    end if;
    return new;
end $$;

create trigger best_practice_published_at before insert or update of status on best_practice
    for each row execute function best_practice_published_at();

-- The feed lists the latest changed practices first (order UPDATED_AT, DESC), at most 100.
create index best_practice_updated_at_idx on best_practice (updated_at, id);
