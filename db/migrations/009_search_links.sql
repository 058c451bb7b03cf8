-- A best practice's search document holds the names of the tools it uses and of the members that author
-- it (search finds a practice by what it links to), so renaming a tool or a member changes the documents
-- of their practices too.

create function search_changed_tool_practices() returns trigger language plpgsql as $$
begin
    insert into search_change (entity, entity_id)
    select distinct 'BestPractice', x.practice_id
    from changed c join best_practice_tool x on x.tool_id = c.id
    on conflict do nothing;
    return null;
end $$;

create function search_changed_member_practices() returns trigger language plpgsql as $$
begin
    insert into search_change (entity, entity_id)
    select distinct 'BestPractice', x.practice_id
    from changed c join best_practice_author x on x.member_id = c.id
    on conflict do nothing;
    return null;
end $$;

create trigger digital_tool_search_practices after update on digital_tool
    referencing new table as changed
    for each statement execute function search_changed_tool_practices();

create trigger member_search_practices after update on member
    referencing new table as changed
    for each statement execute function search_changed_member_practices();
