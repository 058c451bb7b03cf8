-- Reference data: small, fixed vocabularies that the entities point at. They are rows rather than enums
-- so that GraphQL can list them, filters can join them, and a later migration can extend them.

create table country (
    code text primary key check (code ~ '^[A-Z]{2}$'), -- EU code: Greece is EL
    iso_code text not null unique check (iso_code ~ '^[A-Z]{2}$'),
    name text not null,
    eu_order int not null unique -- EU protocol order, the order the EU itself lists member states in
);

insert into country (code, iso_code, name, eu_order) values
    ('BE', 'BE', 'Belgium', 1), ('BG', 'BG', 'Bulgaria', 2), ('CZ', 'CZ', 'Czechia', 3),
    ('DK', 'DK', 'Denmark', 4), ('DE', 'DE', 'Germany', 5), ('EE', 'EE', 'Estonia', 6),
    ('IE', 'IE', 'Ireland', 7), ('EL', 'GR', 'Greece', 8), ('ES', 'ES', 'Spain', 9),
    ('FR', 'FR', 'France', 10), ('HR', 'HR', 'Croatia', 11), ('IT', 'IT', 'Italy', 12),
    ('CY', 'CY', 'Cyprus', 13), ('LV', 'LV', 'Latvia', 14), ('LT', 'LT', 'Lithuania', 15),
    ('LU', 'LU', 'Luxembourg', 16), ('HU', 'HU', 'Hungary', 17), ('MT', 'MT', 'Malta', 18),
    ('NL', 'NL', 'Netherlands', 19), ('AT', 'AT', 'Austria', 20), ('PL', 'PL', 'Poland', 21),
    ('PT', 'PT', 'Portugal', 22), ('RO', 'RO', 'Romania', 23), ('SI', 'SI', 'Slovenia', 24),
    ('SK', 'SK', 'Slovakia', 25), ('FI', 'FI', 'Finland', 26), ('SE', 'SE', 'Sweden', 27);

-- The hub's themes are smart-community domains; each maps onto one DCAT-AP data theme (EU Publications
-- Office authority list) so that exports into EU catalogues need no second mapping.
create table theme (
    code text primary key check (code ~ '^[a-z][a-z-]*$'),
    name text not null,
    data_theme text not null check (data_theme in
        ('AGRI', 'ECON', 'EDUC', 'ENER', 'ENVI', 'GOVE', 'HEAL', 'INTR', 'JUST', 'REGI', 'SOCI', 'TECH', 'TRAN'))
);

insert into theme (code, name, data_theme) values
    ('mobility', 'Mobility and transport', 'TRAN'),
    ('energy', 'Energy', 'ENER'),
    ('digital-public-services', 'E-government and digital public services', 'GOVE'),
    ('local-digital-twins', 'Local digital twins', 'REGI'),
    ('urban-data-platforms', 'Urban data platforms and open data', 'TECH'),
    ('connectivity', 'Connectivity', 'TECH'),
    ('citizen-participation', 'Citizen participation', 'SOCI'),
    ('digital-skills', 'Digital skills', 'EDUC'),
    ('cybersecurity', 'Cybersecurity', 'JUST'),
    ('environment-climate', 'Environment and climate', 'ENVI'),
    ('health-care', 'Health and care', 'HEAL'),
    ('tourism-culture', 'Tourism and culture', 'EDUC'),
    ('local-economy', 'Local economy', 'ECON');

create table programme (
    code text primary key,
    name text not null,
    period text
);

insert into programme (code, name, period) values
    ('DIGITAL', 'Digital Europe Programme', '2021-2027'),
    ('HORIZON', 'Horizon Europe', '2021-2027'),
    ('CEF-DIGITAL', 'Connecting Europe Facility Digital', '2021-2027'),
    ('ERDF', 'European Regional Development Fund', '2021-2027'),
    ('INTERREG', 'Interreg', '2021-2027'),
    ('RRF', 'Recovery and Resilience Facility', '2021-2026'),
    ('LIFE', 'LIFE Programme', '2021-2027');

-- OASC Minimal Interoperability Mechanisms: editions number them differently, so a MIM is code + edition.
create table mim (
    id int generated always as identity primary key,
    code text not null check (code ~ '^MIM[0-9]+$'),
    edition text not null,
    name text not null,
    unique (code, edition)
);

insert into mim (code, edition, name) values
    ('MIM1', '2022', 'Context'), ('MIM2', '2022', 'Data Models'), ('MIM3', '2022', 'Contracts'),
    ('MIM4', '2022', 'Trust'), ('MIM5', '2022', 'Transparency'), ('MIM6', '2022', 'Security'),
    ('MIM7', '2022', 'Places'), ('MIM8', '2022', 'Indicators'), ('MIM9', '2022', 'Analytics'),
    ('MIM10', '2022', 'Resources'),
    ('MIM0', '2024', 'Data access via APIs'), ('MIM8', '2024', 'Local Digital Twins');

-- SPDX identifiers the hub accepts; open_source is what "open source" is derived from (OSI approved).
-- NOASSERTION is SPDX's own word for "licence not stated".
create table licence (
    spdx_id text primary key,
    name text not null,
    open_source boolean not null
);

insert into licence (spdx_id, name, open_source) values
    ('AGPL-3.0-only', 'GNU Affero General Public License v3.0 only', true),
    ('AGPL-3.0-or-later', 'GNU Affero General Public License v3.0 or later', true),
    ('Apache-2.0', 'Apache License 2.0', true),
    ('BSD-2-Clause', 'BSD 2-Clause "Simplified" License', true),
    ('BSD-3-Clause', 'BSD 3-Clause "New" or "Revised" License', true),
    ('EUPL-1.1', 'European Union Public License 1.1', true),
    ('EUPL-1.2', 'European Union Public License 1.2', true),
    ('GPL-2.0-only', 'GNU General Public License v2.0 only', true),
    ('GPL-2.0-or-later', 'GNU General Public License v2.0 or later', true),
    ('GPL-3.0-only', 'GNU General Public License v3.0 only', true),
    ('GPL-3.0-or-later', 'GNU General Public License v3.0 or later', true),
    ('LGPL-2.1-only', 'GNU Lesser General Public License v2.1 only', true),
    ('LGPL-2.1-or-later', 'GNU Lesser General Public License v2.1 or later', true),
    ('LGPL-3.0-only', 'GNU Lesser General Public License v3.0 only', true),
    ('LGPL-3.0-or-later', 'GNU Lesser General Public License v3.0 or later', true),
    ('MIT', 'MIT License', true),
    ('MPL-2.0', 'Mozilla Public License 2.0', true),
    ('EPL-2.0', 'Eclipse Public License 2.0', true),
    ('ISC', 'ISC License', true),
    ('CC-BY-4.0', 'Creative Commons Attribution 4.0 International', false),
    ('CC0-1.0', 'Creative Commons Zero v1.0 Universal', false),
    ('Unlicense', 'The Unlicense', true),
    ('NOASSERTION', 'No licence stated', false);
