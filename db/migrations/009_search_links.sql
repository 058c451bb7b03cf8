-- A best practice's search document holds the names of the tools it uses and of the members that author
-- it (search finds a practice by what it links to), so renaming a tool or a member changes the documents
-- of their practices too.

-- search_changed_linked_practices records the practices linked to the rows in `changed` through the link
-- table TG_ARGV[0], whose column TG_ARGV[1] holds the changed row's id.
create function search_changed_linked_practices() returns trigger language plpgsql as $$
begin
    execute format('insert into search_change (entity, entity_id)
        select distinct %L, x.practice_id from changed c join %I x on x.%I = c.id
        on conflict do nothing', 'BestPractice', tg_argv[0], tg_argv[1]);
    return null;
end $$;

create trigger digital_tool_search_practices after update on digital_tool
    referencing new table as changed
    for each statement execute function search_changed_linked_practices('best_practice_tool', 'tool_id');

create trigger member_search_practices after update on member
    referencing new table as changed
    for each statement execute function search_changed_linked_practices('best_practice_author', 'member_id');
