-- The response cache's change feed. Every statement that writes a table the API reads notifies the
-- channel data_change at commit (PostgreSQL sends one notification per channel and payload per
-- transaction, however many statements ran), so every hub on the database learns of every committed
-- change and drops the answers it may have changed. Notifications of rolled-back transactions are never
-- sent.

create function data_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('data_change', '');
    return null;
end $$;

-- watch_data_tables gives every table of the schema that lacks one the data_change trigger, except the
-- search index's and the live feed's bookkeeping, which no answer shows (tables that a later migration
-- adds are named here before they exist). The hub calls it after migrating, so a table added
-- by a later migration is watched without that migration having to remember it.
create function watch_data_tables() returns void language plpgsql as $$
declare
    t record;
begin
    for t in
        select c.relname from pg_class c
        where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
          and c.relname not in ('schema_version', 'search_change', 'search_change_pruned', 'search_origin',
                                'hub_event_commit', 'webhook_feed')
          and not exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'data_change')
    loop
        begin
            execute format('create trigger data_change after insert or update or delete or truncate on %I
                for each statement execute function data_changed()', t.relname);
        exception when duplicate_object then
            null; -- another hub, migrating at the same moment, was first
        end;
    end loop;
end $$;

select watch_data_tables();
