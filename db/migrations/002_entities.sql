-- The hub's four entities and their relations. Enumerated columns hold the GraphQL enum value itself, so
-- one concept has one spelling in schema, Go and SQL.

create table member (
    id bigint generated always as identity primary key,
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text not null check (name <> ''),
    native_name text,
    acronym text,
    kind text not null check (kind in ('NATIONAL_ASSOCIATION', 'REGIONAL_ASSOCIATION',
        'NETWORK_OR_INITIATIVE', 'AGENCY', 'RESEARCH_ORGANISATION', 'OTHER')),
    country_code text not null references country,
    municipalities_represented int check (municipalities_represented >= 0),
    description text not null default '',
    website text,
    status text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED', 'LEFT')),
    joined_on date not null default current_date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index member_country_idx on member (country_code);
create index member_name_idx on member (name, id);
create index member_joined_on_idx on member (joined_on, id);

-- Countries a member covers besides its home country.
create table member_country (
    member_id bigint not null references member on delete cascade,
    country_code text not null references country,
    primary key (member_id, country_code)
);
create index on member_country (country_code);

-- Contact points are private data: never served to the public (see the access-control issue).
create table contact_point (
    id bigint generated always as identity primary key,
    member_id bigint not null references member on delete cascade,
    role text not null check (role <> ''),
    email text not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$')
);
create index on contact_point (member_id);

create table digital_tool (
    id bigint generated always as identity primary key,
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text not null check (name <> ''),
    description text not null default '',
    provider text,
    licence text not null references licence,
    development_status text not null check (development_status in ('UNDER_DEVELOPMENT', 'COMPLETED', 'DEPRECATED')),
    standards text[] not null default '{}',
    languages text[] not null default '{}',
    website text,
    repository_url text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index digital_tool_name_idx on digital_tool (name, id);
create index digital_tool_created_at_idx on digital_tool (created_at, id);

create table digital_tool_theme (
    tool_id bigint not null references digital_tool on delete cascade,
    theme_code text not null references theme,
    primary key (tool_id, theme_code)
);
create index on digital_tool_theme (theme_code);

create table digital_tool_mim (
    tool_id bigint not null references digital_tool on delete cascade,
    mim_id int not null references mim,
    primary key (tool_id, mim_id)
);
create index on digital_tool_mim (mim_id);

create table digital_tool_country (
    tool_id bigint not null references digital_tool on delete cascade,
    country_code text not null references country,
    primary key (tool_id, country_code)
);
create index on digital_tool_country (country_code);

create table funding_opportunity (
    id bigint generated always as identity primary key,
    topic_id text not null unique check (topic_id ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$'),
    call_id text,
    title text not null check (title <> ''),
    programme_code text not null references programme,
    action_type text,
    description text not null default '',
    opening_date date not null,
    deadline_model text not null check (deadline_model in ('SINGLE_STAGE', 'TWO_STAGE', 'MULTIPLE_CUT_OFF')),
    deadlines date[] not null check (cardinality(deadlines) between 1 and 12),
    -- Status is derived from opening_date and final_deadline at query time, never stored.
    final_deadline date generated always as (deadlines[cardinality(deadlines)]) stored,
    total_budget numeric(16, 2) check (total_budget >= 0),
    min_contribution numeric(16, 2) check (min_contribution >= 0),
    max_contribution numeric(16, 2) check (max_contribution >= 0),
    url text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (final_deadline >= opening_date),
    check (min_contribution is null or max_contribution is null or min_contribution <= max_contribution)
);
create index funding_opportunity_final_deadline_idx on funding_opportunity (final_deadline, id);
create index funding_opportunity_opening_date_idx on funding_opportunity (opening_date, id);
create index on funding_opportunity (programme_code);

create table funding_opportunity_country (
    funding_id bigint not null references funding_opportunity on delete cascade,
    country_code text not null references country,
    primary key (funding_id, country_code)
);
create index on funding_opportunity_country (country_code);

create table funding_opportunity_theme (
    funding_id bigint not null references funding_opportunity on delete cascade,
    theme_code text not null references theme,
    primary key (funding_id, theme_code)
);
create index on funding_opportunity_theme (theme_code);

create table best_practice (
    id bigint generated always as identity primary key,
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title text not null check (title <> ''),
    summary text not null default '',
    body text not null default '',
    language text not null check (language ~ '^[a-z]{2}$'),
    municipality text,
    country_code text not null references country,
    nuts_code text check (nuts_code ~ '^[A-Z]{2}[0-9A-Z]{0,3}$'),
    results text not null default '',
    transferability text not null default '',
    year int not null check (year between 1990 and 2100),
    status text not null default 'DRAFT' check (status in ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    source_url text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index best_practice_title_idx on best_practice (title, id);
create index best_practice_year_idx on best_practice (year, id);
create index best_practice_created_at_idx on best_practice (created_at, id);
create index on best_practice (country_code);
create index on best_practice (language);

create table best_practice_translation (
    practice_id bigint not null references best_practice on delete cascade,
    language text not null check (language ~ '^[a-z]{2}$'),
    title text not null check (title <> ''),
    summary text not null default '',
    primary key (practice_id, language)
);

create table best_practice_author (
    practice_id bigint not null references best_practice on delete cascade,
    member_id bigint not null references member on delete cascade,
    primary key (practice_id, member_id)
);
create index on best_practice_author (member_id);

create table best_practice_theme (
    practice_id bigint not null references best_practice on delete cascade,
    theme_code text not null references theme,
    primary key (practice_id, theme_code)
);
create index on best_practice_theme (theme_code);

create table best_practice_mim (
    practice_id bigint not null references best_practice on delete cascade,
    mim_id int not null references mim,
    primary key (practice_id, mim_id)
);

create table best_practice_tool (
    practice_id bigint not null references best_practice on delete cascade,
    tool_id bigint not null references digital_tool on delete cascade,
    primary key (practice_id, tool_id)
);
create index on best_practice_tool (tool_id);

create table best_practice_funding (
    practice_id bigint not null references best_practice on delete cascade,
    funding_id bigint not null references funding_opportunity on delete cascade,
    primary key (practice_id, funding_id)
);
create index on best_practice_funding (funding_id);
