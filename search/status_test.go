package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/db"
)

// Every path that tells a funding opportunity's status gives the same answer on the same day: the API's
// Go rule, the list filter, the stats, the search document and the search (filter, query and facet),
// and the recommendations, which leave closed calls out. The clock stands at 00:30 in Brussels on
// 10 March 2026, still 9 March in UTC, so that a path reckoning the day anywhere else disagrees on the
// calls that open or close that day.
func TestFundingStatusEveryPath(t *testing.T) {
	ctx := context.Background()
	x, base := newIndex(t, false)
	d := base.WithClock(func() time.Time { return time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC) })
	today := d.Today()
	if got := today.Format(time.DateOnly); got != "2026-03-10" {
		t.Fatalf("today is %s, not 2026-03-10 in Brussels", got)
	}
	day := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	calls := []struct {
		name      string
		opening   string
		deadlines []string
		want      db.FundingStatus
	}{
		{"opens tomorrow", "2026-03-11", []string{"2026-04-30"}, db.FundingStatusForthcoming},
		{"opens today", "2026-03-10", []string{"2026-04-30"}, db.FundingStatusOpen},
		{"open", "2026-02-01", []string{"2026-05-31"}, db.FundingStatusOpen},
		{"last deadline today", "2026-01-10", []string{"2026-03-10"}, db.FundingStatusOpen},
		{"closed yesterday", "2026-01-10", []string{"2026-03-09"}, db.FundingStatusClosed},
		{"two stages, the first passed", "2026-01-05", []string{"2026-02-15", "2026-04-15"}, db.FundingStatusOpen},
		{"two stages, both passed", "2025-11-05", []string{"2026-01-15", "2026-03-01"}, db.FundingStatusClosed},
		{"one day, today", "2026-03-10", []string{"2026-03-10"}, db.FundingStatusOpen},
	}
	themes := d.Reference().Themes
	if len(themes) < len(calls) {
		t.Fatalf("%d themes for %d calls", len(themes), len(calls))
	}
	// Each call has a theme of its own, so that the stats and the search facets can be read per call.
	theme := map[int64]string{}
	want := map[int64]db.FundingStatus{}
	names := map[int64]string{}
	wantCount := map[db.FundingStatus]int{}
	var ids []int64
	for i, c := range calls {
		in := &db.CreateFundingOpportunityInput{Identifier: fmt.Sprintf("STATUS-TEST-%d", i),
			Title: "Call that " + c.name, Programme: "DIGITAL", OpeningDate: day(c.opening),
			DeadlineModel: db.DeadlineModelSingleStage, EligibleCountries: []string{"BE"}, Themes: []string{themes[i].Code}}
		if len(c.deadlines) == 2 {
			in.DeadlineModel = db.DeadlineModelTwoStage
		}
		for _, s := range c.deadlines {
			in.Deadlines = append(in.Deadlines, day(s))
		}
		f, errs, err := d.CreateFundingOpportunity(ctx, in)
		if err != nil || len(errs) > 0 {
			t.Fatalf("creating the call that %s: %v %v", c.name, err, errs)
		}
		ids = append(ids, f.ID)
		theme[f.ID], want[f.ID], names[f.ID] = themes[i].Code, c.want, c.name
		wantCount[c.want]++
	}
	if err := x.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	statuses := []db.FundingStatus{db.FundingStatusForthcoming, db.FundingStatusOpen, db.FundingStatusClosed}

	// (a) Go, as the API's status field reckons it.
	stored, err := d.FundingOpportunitiesByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stored {
		if got := f.StatusOn(d.Today()); got != want[f.ID] {
			t.Errorf("Go: the call that %s is %s, want %s", names[f.ID], got, want[f.ID])
		}
	}

	// (b) The list filtered by each status.
	first := 100
	for _, s := range statuses {
		page, err := d.FundingOpportunities(ctx, db.PageArgs{First: &first}, &db.FundingOpportunityFilter{Status: []db.FundingStatus{s}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, f := range page.Items {
			got = append(got, f.ID)
		}
		checkSet(t, "the list filtered by "+string(s), got, s, want, names)
	}

	// (c) The stats by status: in all, and per call through its theme.
	buckets, err := d.Stats(nil).FundingOpportunities().ByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotCount := map[db.FundingStatus]int{}
	for _, b := range buckets {
		gotCount[db.FundingStatus(b.Key)] = b.Count
	}
	if fmt.Sprint(gotCount) != fmt.Sprint(wantCount) {
		t.Errorf("stats by status: %v, want %v", gotCount, wantCount)
	}
	for _, id := range ids {
		bs, err := d.Stats(&db.StatsFilter{FundingOpportunities: &db.FundingOpportunityFilter{Theme: []string{theme[id]}}}).
			FundingOpportunities().ByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 || bs[0].Key != string(want[id]) || bs[0].Count != 1 {
			var got []string
			for _, b := range bs {
				got = append(got, fmt.Sprintf("%s:%d", b.Key, b.Count))
			}
			t.Errorf("stats by status of the call that %s: %v, want one %s", names[id], got, want[id])
		}
	}

	// (d) The search document: the status its indexed period has today.
	sources, err := d.SearchSources(ctx, "FundingOpportunity", ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sources {
		s := &sources[i]
		var got []db.FundingStatus
		for _, term := range document(s, x.countries)[fieldFacet].([]string) {
			if value, ok := strings.CutPrefix(term, fieldPeriod+"="); ok {
				if status, ok := periodStatus(value, today); ok {
					got = append(got, status)
				}
			}
		}
		if len(got) != 1 || got[0] != want[s.ID] {
			t.Errorf("the search document of the call that %s: statuses %v, want %s", names[s.ID], got, want[s.ID])
		}
	}

	// (e) Search: filtered by each status, asked for it in the query, and its status facet, in all and
	// per call.
	search := func(r Request) *Result {
		t.Helper()
		r.Types, r.First, r.Today = []string{"FUNDING_OPPORTUNITY"}, &first, d.Today()
		res, err := x.Search(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	hitIDs := func(res *Result) []int64 {
		var out []int64
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	statusFacet := func(res *Result) map[db.FundingStatus]int {
		out := map[db.FundingStatus]int{}
		for _, f := range res.Facets {
			if f.Field == fieldStatus {
				for _, b := range f.Buckets {
					out[db.FundingStatus(b.Value)] = b.Count
				}
			}
		}
		return out
	}
	for _, s := range statuses {
		checkSet(t, "search filtered by "+string(s), hitIDs(search(Request{Filter: Filter{Status: []string{string(s)}}})), s, want, names)
		checkSet(t, "search for status:"+strings.ToLower(string(s)), hitIDs(search(Request{Query: "status:" + strings.ToLower(string(s))})), s, want, names)
	}
	if got := statusFacet(search(Request{})); fmt.Sprint(got) != fmt.Sprint(wantCount) {
		t.Errorf("search's status facet: %v, want %v", got, wantCount)
	}
	for _, id := range ids {
		got := statusFacet(search(Request{Filter: Filter{Theme: []string{theme[id]}}}))
		if len(got) != 1 || got[want[id]] != 1 {
			t.Errorf("search's status facet of the call that %s: %v, want one %s", names[id], got, want[id])
		}
	}

	// Recommendations: the forthcoming and open calls, never a closed one.
	m, errs, err := d.CreateMember(ctx, &db.CreateMemberInput{Name: "Status test association",
		Kind: db.MemberKindNationalAssociation, Country: "BE"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("creating a member: %v %v", err, errs)
	}
	recs, err := d.RecommendedFunding(ctx, []int64{m.ID}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var recommended []int64
	for _, r := range recs[m.ID] {
		recommended = append(recommended, r.FundingOpportunity.ID)
	}
	for _, id := range ids {
		if in := slices.Contains(recommended, id); in == (want[id] == db.FundingStatusClosed) {
			t.Errorf("recommendations: the %s call that %s is in them: %v", want[id], names[id], in)
		}
	}
}

// checkSet fails unless got holds exactly the calls whose status is s.
func checkSet(t *testing.T, what string, got []int64, s db.FundingStatus, want map[int64]db.FundingStatus, names map[int64]string) {
	t.Helper()
	for id, w := range want {
		if in := slices.Contains(got, id); in != (w == s) {
			t.Errorf("%s: the %s call that %s is in it: %v", what, w, names[id], in)
		}
	}
	if len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
		t.Errorf("%s: a call twice in %v", what, got)
	}
}
