-- A funding opportunity's status, the rule of db.FundingStatusOn in SQL: every query that filters or
-- groups by status calls this rather than writing the rule out. The day is a parameter, never
-- current_date: the hub passes its own today (db.DB.Today, the date in Brussels), so the answer does not
-- follow the database session's time zone, agrees with what Go and the search index say on the same
-- day, and tests can move the clock. Immutable and a plain SQL expression, so the planner inlines it.
create function funding_status(opening date, final_deadline date, day date) returns text
    language sql immutable parallel safe
    as $$
        select case when day < opening then 'FORTHCOMING' when day > final_deadline then 'CLOSED' else 'OPEN' end
    $$;
