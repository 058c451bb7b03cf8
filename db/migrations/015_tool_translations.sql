-- A digital tool's descriptions in several languages, as publiccode.yml gives them (description.<lang>:
-- shortDescription, longDescription, features), and the publiccode.yml softwareType.

create table digital_tool_translation (
    tool_id bigint not null references digital_tool (id) on delete cascade,
    language text not null,
    short_description text not null default '',
    long_description text not null default '',
    features text[] not null default '{}',
    primary key (tool_id, language)
);

alter table digital_tool add column software_type text;

-- The translations are in the tool's search document (migration 003's outbox).
create trigger digital_tool_translation_search_insert after insert on digital_tool_translation
    referencing new table as changed for each statement execute function search_changed_rows('DigitalTool', 'tool_id');
create trigger digital_tool_translation_search_update after update on digital_tool_translation
    referencing new table as changed for each statement execute function search_changed_rows('DigitalTool', 'tool_id');
create trigger digital_tool_translation_search_delete after delete on digital_tool_translation
    referencing old table as changed for each statement execute function search_changed_rows('DigitalTool', 'tool_id');
