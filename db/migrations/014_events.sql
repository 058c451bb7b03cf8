-- The committed change feed: what subscriptions (GraphQL over WebSocket) and webhooks tell the world.
-- Triggers record each event in hub_event in the writing transaction, so no code path can forget one.
-- At commit, a deferred trigger gives the transaction the next position in hub_event_commit while
-- holding an advisory lock until the commit ends: positions are therefore in commit order, and a
-- position becomes visible only after every smaller one has committed or rolled back. Readers (every
-- hub) follow positions, woken by NOTIFY hub_event, and never see an event before its commit.

create table hub_event (
    id bigserial primary key,
    xid xid8 not null default pg_current_xact_id(),
    type text not null check (type in ('BEST_PRACTICE_PUBLISHED', 'FUNDING_OPPORTUNITY_CHANGED', 'MEMBER_JOINED')),
    entity_id bigint not null,
    created_at timestamptz not null default clock_timestamp(),
    unique (xid, type, entity_id)
);

create table hub_event_commit (
    position bigint primary key,
    xid xid8 not null unique,
    committed_at timestamptz not null default clock_timestamp()
);
create index on hub_event_commit (committed_at);
create sequence hub_event_position;

-- Held from taking a position to the end of the commit: the lock is released after the commit is
-- visible, so the next transaction's position is both larger and later.
create function hub_event_committing() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from hub_event_commit where xid = new.xid) then
        perform pg_advisory_xact_lock(7245011);
        insert into hub_event_commit (position, xid) values (nextval('hub_event_position'), new.xid);
        perform pg_notify('hub_event', '');
    end if;
    return null;
end $$;

create constraint trigger hub_event_commit after insert on hub_event
    deferrable initially deferred for each row execute function hub_event_committing();

-- A practice is published when it is created as PUBLISHED or its status becomes PUBLISHED.
create function hub_event_practice_published() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into hub_event (type, entity_id) select 'BEST_PRACTICE_PUBLISHED', n.id from new_rows n
            where n.status = 'PUBLISHED' on conflict do nothing;
    else
        insert into hub_event (type, entity_id) select 'BEST_PRACTICE_PUBLISHED', n.id
            from new_rows n join old_rows o on o.id = n.id
            where n.status = 'PUBLISHED' and o.status <> 'PUBLISHED' on conflict do nothing;
    end if;
    return null;
end $$;

create trigger best_practice_event_insert after insert on best_practice referencing new table as new_rows
    for each statement execute function hub_event_practice_published();
create trigger best_practice_event_update after update on best_practice
    referencing old table as old_rows new table as new_rows
    for each statement execute function hub_event_practice_published();

-- hub_event_rows records an event of type TG_ARGV[0] for each entity whose id is in column TG_ARGV[1] of
-- the rows in `changed`.
create function hub_event_rows() returns trigger language plpgsql as $$
begin
    execute format('insert into hub_event (type, entity_id) select distinct %L, %I from changed
        on conflict do nothing', tg_argv[0], tg_argv[1]);
    return null;
end $$;

-- A funding opportunity changes when it, its countries or its themes are written (not when deleted:
-- there is nothing left to tell).
do $$
declare
    t record;
    ev text;
begin
    for t in select * from (values
        ('funding_opportunity', 'id'),
        ('funding_opportunity_country', 'funding_id'),
        ('funding_opportunity_theme', 'funding_id')
    ) as v(tbl, col)
    loop
        foreach ev in array array['insert', 'update'] loop
            execute format('create trigger %I after %s on %I referencing new table as changed
                for each statement execute function hub_event_rows(%L, %L)',
                t.tbl || '_event_' || ev, ev, t.tbl, 'FUNDING_OPPORTUNITY_CHANGED', t.col);
        end loop;
    end loop;
end $$;

-- A member joins when it is created (directly, or by an approved application).
create trigger member_event_insert after insert on member referencing new table as changed
    for each statement execute function hub_event_rows('MEMBER_JOINED', 'id');

-- Webhooks. An endpoint belongs to whoever registered it (owner: the token's or OIDC subject's key);
-- its secret signs every request and is kept as is, since signing needs it.
create table webhook_endpoint (
    id bigserial primary key,
    url text not null,
    events text[] not null,
    filter jsonb,
    secret text not null,
    owner text not null,
    owner_role text not null,
    owner_member bigint,
    description text not null default '',
    enabled boolean not null default true,
    disabled_reason text,
    lease_until timestamptz,
    created_at timestamptz not null default now()
);

-- Deliveries are written from the change feed by one hub at a time (the row of webhook_feed is locked
-- while it does), once per endpoint and event, and sent in id order per endpoint.
create table webhook_feed (
    only_row boolean primary key default true check (only_row),
    position bigint not null
);
insert into webhook_feed (position) values (0);

create table webhook_delivery (
    id bigserial primary key,
    endpoint_id bigint not null references webhook_endpoint on delete cascade,
    event_id bigint references hub_event on delete set null,
    message_id text not null unique,
    type text not null,
    payload jsonb not null,
    status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts int not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_attempt_at timestamptz,
    response_code int,
    last_error text,
    created_at timestamptz not null default now(),
    unique (endpoint_id, event_id)
);
create index on webhook_delivery (endpoint_id, id) where status = 'PENDING';
create index on webhook_delivery (endpoint_id, id desc);

-- Wakes the hubs' delivery workers when a delivery is written.
create function webhook_delivery_written() returns trigger language plpgsql as $$
begin
    perform pg_notify('webhook_delivery', '');
    return null;
end $$;
create trigger webhook_delivery_notify after insert on webhook_delivery
    for each statement execute function webhook_delivery_written();

-- Every attempt of a delivery, for the delivery log.
create table webhook_attempt (
    delivery_id bigint not null references webhook_delivery on delete cascade,
    attempt int not null,
    attempted_at timestamptz not null default now(),
    response_code int,
    error text,
    primary key (delivery_id, attempt)
);
