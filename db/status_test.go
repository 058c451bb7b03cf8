package db

import (
	"context"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db/dbtest"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The status rule is written twice, in Go (FundingStatusOn) and in SQL (funding_status, migration 007),
// because the lists and stats filter and group in PostgreSQL and the resolvers and the search index
// decide in Go. They must give the same answer for every day.
func TestFundingStatusSQLMatchesGo(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.NewDatabase(t)
	if _, err := Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	type triple struct {
		name      string
		opening   time.Time
		deadlines []time.Time
		day       time.Time
		want      FundingStatus
	}
	single := []time.Time{date("2026-06-30")}
	twoStage := []time.Time{date("2026-02-20"), date("2026-09-10")}
	cases := []triple{
		{"the day before opening", date("2026-03-10"), single, date("2026-03-09"), FundingStatusForthcoming},
		{"the opening day", date("2026-03-10"), single, date("2026-03-10"), FundingStatusOpen},
		{"a day between", date("2026-03-10"), single, date("2026-04-15"), FundingStatusOpen},
		{"the day of the last deadline", date("2026-03-10"), single, date("2026-06-30"), FundingStatusOpen},
		{"the day after the last deadline", date("2026-03-10"), single, date("2026-07-01"), FundingStatusClosed},
		{"two stages, the first deadline passed", date("2026-01-15"), twoStage, date("2026-03-01"), FundingStatusOpen},
		{"two stages, the first deadline's day", date("2026-01-15"), twoStage, date("2026-02-20"), FundingStatusOpen},
		{"two stages, after the second", date("2026-01-15"), twoStage, date("2026-09-11"), FundingStatusClosed},
		{"open for one day, that day", date("2026-05-05"), []time.Time{date("2026-05-05")}, date("2026-05-05"), FundingStatusOpen},
		{"open for one day, the day after", date("2026-05-05"), []time.Time{date("2026-05-05")}, date("2026-05-06"), FundingStatusClosed},
		// A day held at midnight in Brussels is the same calendar day: pgx sends it as that date.
		{"the opening day, at midnight in Brussels", date("2026-03-10"), single,
			time.Date(2026, 3, 10, 0, 0, 0, 0, brussels), FundingStatusOpen},
	}
	// And every day around a few calls, across a year's end and a leap day.
	for _, w := range []struct {
		opening   time.Time
		deadlines []time.Time
	}{
		{date("2025-12-30"), []time.Time{date("2026-01-02")}},
		{date("2028-02-27"), []time.Time{date("2028-02-29"), date("2028-03-01")}},
		{date("2026-01-15"), twoStage},
	} {
		last := w.deadlines[len(w.deadlines)-1]
		for day := w.opening.AddDate(0, 0, -3); !day.After(last.AddDate(0, 0, 3)); day = day.AddDate(0, 0, 1) {
			cases = append(cases, triple{name: "around " + w.opening.Format(time.DateOnly), opening: w.opening,
				deadlines: w.deadlines, day: day})
		}
	}

	var openings, finals, days []time.Time
	for _, c := range cases {
		openings = append(openings, c.opening)
		finals = append(finals, c.deadlines[len(c.deadlines)-1])
		days = append(days, c.day)
	}
	rows, err := d.Pool.Query(ctx, `select funding_status(o, f, d) from unnest($1::date[], $2::date[], $3::date[])
		with ordinality as t(o, f, d, n) order by n`, openings, finals, days)
	if err != nil {
		t.Fatal(err)
	}
	var inSQL []FundingStatus
	for rows.Next() {
		var s FundingStatus
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		inSQL = append(inSQL, s)
	}
	if err := rows.Err(); err != nil || len(inSQL) != len(cases) {
		t.Fatalf("%d statuses from SQL for %d cases: %v", len(inSQL), len(cases), err)
	}
	for i, c := range cases {
		f := &FundingOpportunity{OpeningDate: c.opening, Deadlines: c.deadlines}
		inGo := f.StatusOn(c.day)
		if inGo != inSQL[i] || (c.want != "" && inGo != c.want) {
			t.Errorf("%s (opening %s, deadlines %v, day %s): Go %s, SQL %s, want %q", c.name,
				c.opening.Format(time.DateOnly), c.deadlines, c.day.Format(time.DateOnly), inGo, inSQL[i], c.want)
		}
	}
}
