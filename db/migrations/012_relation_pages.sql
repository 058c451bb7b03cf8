-- Nested pages that cost what they return. A member's first five practices in the default order (by
-- title) were read by sorting all of the member's practices, and their count by counting them all, so a
-- nested page slowed down as its parent grew. Now the link tables carry the practice's title and status
-- (kept by triggers, in the same transaction as the write), with an index in the default order, so the
-- first N are the first N entries of that index; and the counts per parent and status are kept in
-- practice_count, so a total is a sum of at most three rows.

do $$
declare
    t record;
begin
    for t in select * from (values
        ('best_practice_author', 'member_id'),
        ('best_practice_theme', 'theme_code'),
        ('best_practice_tool', 'tool_id'),
        ('best_practice_funding', 'funding_id')) as v(link, parent)
    loop
        execute format('alter table %I add column title text, add column status text', t.link);
        execute format('update %I l set title = bp.title, status = bp.status from best_practice bp where bp.id = l.practice_id', t.link);
        execute format('alter table %I alter column title set not null, alter column status set not null', t.link);
        execute format('create index on %I (%I, title, practice_id) include (status)', t.link, t.parent);
    end loop;
end $$;

-- The default order of practices by country, the one relation that is a column of the practice.
create index best_practice_country_title_idx on best_practice (country_code, title, id) include (status);

-- A link row takes its practice's title and status when written.
create function practice_link_copy() returns trigger language plpgsql as $$
begin
    select bp.title, bp.status into new.title, new.status from best_practice bp where bp.id = new.practice_id;
    return new;
end $$;

-- A practice's new title or status reaches its link rows.
create function practice_link_sync() returns trigger language plpgsql as $$
begin
    update best_practice_author set title = new.title, status = new.status where practice_id = new.id;
    update best_practice_theme set title = new.title, status = new.status where practice_id = new.id;
    update best_practice_tool set title = new.title, status = new.status where practice_id = new.id;
    update best_practice_funding set title = new.title, status = new.status where practice_id = new.id;
    return null;
end $$;

create trigger practice_link_sync after update of title, status on best_practice
    for each row when (old.title is distinct from new.title or old.status is distinct from new.status)
    execute function practice_link_sync();

-- practice_count: how many practices of each status hang off each parent of each relation ('all' for
-- the list of every practice, whose parent is '').
create table practice_count (
    relation text not null,
    parent text not null,
    status text not null,
    n bigint not null,
    primary key (relation, parent, status)
);

-- practice_count_change adds the rows of the transition table `added` and subtracts those of `removed`
-- (TG_ARGV[0] is the relation, TG_ARGV[1] the parent column, empty for 'all'), in key order, so that
-- concurrent writers take the counters' locks in one order and cannot deadlock on them.
create function practice_count_change() returns trigger language plpgsql as $$
declare
    parent text := case when tg_argv[1] = '' then '''''' else quote_ident(tg_argv[1]) || '::text' end;
    added text := case when tg_op in ('INSERT', 'UPDATE') then format('select %s as parent, status, 1 as n from added', parent) end;
    removed text := case when tg_op in ('DELETE', 'UPDATE') then format('select %s as parent, status, -1 as n from removed', parent) end;
begin
    execute format('insert into practice_count (relation, parent, status, n)
        select %L, parent, status, sum(n) from (%s) c
        group by parent, status having sum(n) <> 0 order by parent, status
        on conflict (relation, parent, status) do update set n = practice_count.n + excluded.n',
        tg_argv[0], concat_ws(' union all ', added, removed));
    return null;
end $$;

do $$
declare
    t record;
begin
    for t in select * from (values
        ('best_practice_author', 'member', 'member_id'),
        ('best_practice_theme', 'theme', 'theme_code'),
        ('best_practice_tool', 'tool', 'tool_id'),
        ('best_practice_funding', 'funding', 'funding_id'),
        ('best_practice', 'country', 'country_code'),
        ('best_practice', 'all', '')) as v(tab, relation, parent)
    loop
        if t.tab <> 'best_practice' then
            execute format('create trigger practice_link_copy before insert or update of practice_id on %I
                for each row execute function practice_link_copy()', t.tab);
        end if;
        execute format('create trigger %I after insert on %I referencing new table as added
            for each statement execute function practice_count_change(%L, %L)', 'count_' || t.relation || '_insert', t.tab, t.relation, t.parent);
        execute format('create trigger %I after delete on %I referencing old table as removed
            for each statement execute function practice_count_change(%L, %L)', 'count_' || t.relation || '_delete', t.tab, t.relation, t.parent);
        -- An update that changes no status or parent (a practice's body, a link's title) nets to no
        -- change, and touches no counter (practice_count_change skips sums of 0).
        execute format('create trigger %I after update on %I referencing old table as removed new table as added
            for each statement execute function practice_count_change(%L, %L)', 'count_' || t.relation || '_update', t.tab, t.relation, t.parent);
    end loop;
end $$;

insert into practice_count (relation, parent, status, n)
select 'member', member_id::text, status, count(*) from best_practice_author group by 2, 3
union all select 'theme', theme_code, status, count(*) from best_practice_theme group by 2, 3
union all select 'tool', tool_id::text, status, count(*) from best_practice_tool group by 2, 3
union all select 'funding', funding_id::text, status, count(*) from best_practice_funding group by 2, 3
union all select 'country', country_code, status, count(*) from best_practice group by 2, 3
union all select 'all', '', status, count(*) from best_practice group by 3;
