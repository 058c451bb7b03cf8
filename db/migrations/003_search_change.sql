-- The search index's outbox. Every write to a searchable entity, or to a relation that its search
-- document holds, records the entity here in the same transaction, through statement triggers, so no
-- code path can forget it. Indexers (one per `hub serve`, each with its own index) read the changes of
-- finished transactions in (xid, entity, entity_id) order and re-read the entity's current state, so
-- applying a change twice is harmless. One row per entity per transaction: a practice written with its
-- themes, tools and translations is one change.

create table search_change (
    xid xid8 not null default pg_current_xact_id(),
    entity text not null check (entity in ('BestPractice', 'DigitalTool', 'FundingOpportunity', 'Member')),
    entity_id bigint not null,
    changed_at timestamptz not null default clock_timestamp(),
    primary key (xid, entity, entity_id)
);
create index on search_change (changed_at);

-- This database's identity, recorded in every index built from it: an index built from another database
-- (HUB_DATA_DIR reused with another DATABASE_URL, or a database restored from a dump) is rebuilt.
create table search_origin (
    only_row boolean primary key default true check (only_row),
    id uuid not null default gen_random_uuid()
);
insert into search_origin default values;

-- The newest transaction whose changes were pruned: an index that has not applied everything up to it
-- has lost changes and must be rebuilt.
create table search_change_pruned (
    only_row boolean primary key default true check (only_row),
    through_xid xid8 not null
);

-- search_changed_rows records the entities of the rows in the transition table `changed` (TG_ARGV[0] is
-- the entity, TG_ARGV[1] the column holding its id) and wakes the indexers at commit.
create function search_changed_rows() returns trigger language plpgsql as $$
begin
    execute format('insert into search_change (entity, entity_id) select distinct %L, %I from changed
        on conflict do nothing', tg_argv[0], tg_argv[1]);
    perform pg_notify('search_change', '');
    return null;
end $$;

-- Funding opportunities lend their programme to the practices they financed.
create function search_changed_funding_practices() returns trigger language plpgsql as $$
begin
    insert into search_change (entity, entity_id)
    select distinct 'BestPractice', bf.practice_id
    from changed c join best_practice_funding bf on bf.funding_id = c.id
    on conflict do nothing;
    return null;
end $$;

do $$
declare
    t record;
    ev text;
begin
    for t in select * from (values
        ('best_practice', 'BestPractice', 'id'),
        ('best_practice_translation', 'BestPractice', 'practice_id'),
        ('best_practice_author', 'BestPractice', 'practice_id'),
        ('best_practice_theme', 'BestPractice', 'practice_id'),
        ('best_practice_mim', 'BestPractice', 'practice_id'),
        ('best_practice_tool', 'BestPractice', 'practice_id'),
        ('best_practice_funding', 'BestPractice', 'practice_id'),
        ('digital_tool', 'DigitalTool', 'id'),
        ('digital_tool_theme', 'DigitalTool', 'tool_id'),
        ('digital_tool_mim', 'DigitalTool', 'tool_id'),
        ('digital_tool_country', 'DigitalTool', 'tool_id'),
        ('funding_opportunity', 'FundingOpportunity', 'id'),
        ('funding_opportunity_country', 'FundingOpportunity', 'funding_id'),
        ('funding_opportunity_theme', 'FundingOpportunity', 'funding_id'),
        ('member', 'Member', 'id'),
        ('member_country', 'Member', 'member_id')
    ) as v(tbl, entity, col)
    loop
        foreach ev in array array['insert', 'update', 'delete'] loop
            execute format('create trigger %I after %s on %I referencing %s table as changed
                for each statement execute function search_changed_rows(%L, %L)',
                t.tbl || '_search_' || ev, ev, t.tbl,
                case ev when 'delete' then 'old' else 'new' end, t.entity, t.col);
        end loop;
    end loop;
end $$;

create trigger funding_opportunity_search_practices after update on funding_opportunity
    referencing new table as changed
    for each statement execute function search_changed_funding_practices();
