-- Member editors propose digital tools; an admin accepts them. Until then a proposal is seen only by its
-- proposer's editors and the admins, and is not searchable.
alter table digital_tool
    add column review_status text not null default 'ACCEPTED' check (review_status in ('PROPOSED', 'ACCEPTED')),
    add column proposed_by bigint references member on delete set null;
create index on digital_tool (proposed_by) where review_status = 'PROPOSED';
