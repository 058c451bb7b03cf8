-- A call's next deadline on a day: the first of its deadlines on or after the day, null once all have
-- passed. The order NEXT_DEADLINE sorts by it (db/funding.go); like funding_status, the day is the hub's
-- own today, passed in, never current_date.
create function next_deadline(deadlines date[], day date) returns date
    language sql immutable parallel safe
    as $$
        select min(d) from unnest(deadlines) as d where d >= day
    $$;
