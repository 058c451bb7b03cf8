package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

type bucket struct {
	Key   string
	Label string
	Count int
}

// TestStatsEqualListTotals checks every figure of stats against the list it summarises: each total is
// the list's totalCount under the same filter, and each bucket's count the totalCount of that list
// filtered to the bucket's key as well. It runs without a filter and with one, as an anonymous caller and
// as an admin (who also counts drafts and proposals).
func TestStatsEqualListTotals(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	admin := h.Admin()
	sections := []struct {
		name, list, filterType string
		filter                 map[string]any
		buckets                map[string]func(key string) map[string]any // bucket field → its key as a list filter
	}{
		{"members", "members", "MemberFilter", map[string]any{"kind": []string{"NATIONAL_ASSOCIATION"}}, map[string]func(string) map[string]any{
			"byCountry": func(k string) map[string]any { return map[string]any{"country": []string{k}} },
			"byKind":    func(k string) map[string]any { return map[string]any{"kind": []string{k}} },
		}},
		{"bestPractices", "bestPractices", "BestPracticeFilter", map[string]any{"year": map[string]any{"from": 2022}}, map[string]func(string) map[string]any{
			"byTheme":   func(k string) map[string]any { return map[string]any{"theme": []string{k}} },
			"byCountry": func(k string) map[string]any { return map[string]any{"country": []string{k}} },
			"byYear": func(k string) map[string]any {
				var y int
				fmt.Sscan(k, &y)
				return map[string]any{"year": map[string]any{"from": y, "to": y}}
			},
			"byLanguage": func(k string) map[string]any { return map[string]any{"language": []string{k}} },
		}},
		{"fundingOpportunities", "fundingOpportunities", "FundingOpportunityFilter", map[string]any{"eligibleCountry": "EL"}, map[string]func(string) map[string]any{
			"byProgramme": func(k string) map[string]any { return map[string]any{"programme": []string{k}} },
			"byStatus":    func(k string) map[string]any { return map[string]any{"status": []string{k}} },
		}},
		{"digitalTools", "digitalTools", "DigitalToolFilter", map[string]any{"openSource": true}, map[string]func(string) map[string]any{
			"byLicence":           func(k string) map[string]any { return map[string]any{"licence": []string{k}} },
			"byDevelopmentStatus": func(k string) map[string]any { return map[string]any{"developmentStatus": []string{k}} },
			"byMim": func(k string) map[string]any {
				code, edition, _ := strings.Cut(k, "@")
				return map[string]any{"mim": map[string]any{"code": code, "edition": edition}}
			},
		}},
	}
	checked := 0
	for _, caller := range []*hubtest.Hub{h, admin} {
		for _, s := range sections {
			for _, filter := range []map[string]any{nil, s.filter} {
				var fields []string
				for f := range s.buckets {
					fields = append(fields, f+" { key label count }")
				}
				var out struct {
					Stats map[string]map[string]json.RawMessage
				}
				caller.Query(fmt.Sprintf(`query($f: %s) { stats(filter: {%s: $f}) { %s { total %s } } }`, s.filterType, s.list, s.list,
					strings.Join(fields, " ")), map[string]any{"f": filter}, &out)
				got := out.Stats[s.list]
				var total int
				json.Unmarshal(got["total"], &total)
				if want := listTotal(t, caller, s.list, s.filterType, filter); total != want || total == 0 {
					t.Errorf("%s total %d under %v, list totalCount %d", s.list, total, filter, want)
				}
				for field, keyFilter := range s.buckets {
					var bs []bucket
					json.Unmarshal(got[field], &bs)
					if len(bs) == 0 {
						t.Errorf("%s.%s under %v: no buckets", s.list, field, filter)
					}
					for _, b := range bs {
						f := keyFilter(b.Key)
						for k, v := range filter {
							if _, both := f[k]; !both {
								f[k] = v
							}
						}
						if want := listTotal(t, caller, s.list, s.filterType, f); b.Count != want {
							t.Errorf("%s.%s[%s] = %d under %v; the list filtered to it has %d", s.list, field, b.Key, b.Count, filter, want)
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d buckets checked", checked)
	}
}

func listTotal(t *testing.T, h *hubtest.Hub, list, filterType string, filter map[string]any) int {
	var out map[string]struct{ TotalCount int }
	h.Query(fmt.Sprintf(`query($f: %s) { l: %s(filter: $f) { totalCount } }`, filterType, list), map[string]any{"f": filter}, &out)
	return out["l"].TotalCount
}

// The figures that are not plain counts: sums, theme-by-year series, upcoming deadlines.
func TestStatsSumsSeriesAndDeadlines(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var out struct {
		Stats struct {
			Members struct {
				MunicipalitiesRepresented int
				ByCountry                 []struct {
					Key                       string
					MunicipalitiesRepresented *int
				}
			}
			BestPractices struct {
				ByThemeAndYear []struct {
					Key     string
					Buckets []bucket
				}
			}
			FundingOpportunities struct {
				TotalBudget       string
				ByStatus          []struct{ Key, TotalBudget string }
				UpcomingDeadlines []struct {
					Date               string
					DaysLeft           int
					Final              bool
					FundingOpportunity struct{ Deadlines []string }
				}
			}
		}
		Members struct {
			Nodes []struct {
				Country                   struct{ Code string }
				MunicipalitiesRepresented *int
			}
		}
	}
	h.Query(`{ stats { members { municipalitiesRepresented byCountry { key municipalitiesRepresented } }
		bestPractices { byThemeAndYear { key buckets { key count } } }
		fundingOpportunities { totalBudget byStatus { key totalBudget } upcomingDeadlines(days: 366) { date daysLeft final fundingOpportunity { deadlines } } } }
		members(first: 100) { nodes { country { code } municipalitiesRepresented } } }`, nil, &out)
	sum, byCountry := 0, map[string]int{}
	for _, m := range out.Members.Nodes {
		if m.MunicipalitiesRepresented != nil {
			sum += *m.MunicipalitiesRepresented
			byCountry[m.Country.Code] += *m.MunicipalitiesRepresented
		}
	}
	if out.Stats.Members.MunicipalitiesRepresented != sum || sum == 0 {
		t.Errorf("municipalities represented %d, the members' own add up to %d", out.Stats.Members.MunicipalitiesRepresented, sum)
	}
	for _, b := range out.Stats.Members.ByCountry {
		if b.MunicipalitiesRepresented != nil && *b.MunicipalitiesRepresented != byCountry[b.Key] {
			t.Errorf("%s: %d municipalities, its members say %d", b.Key, *b.MunicipalitiesRepresented, byCountry[b.Key])
		}
	}
	pairs := 0
	for _, s := range out.Stats.BestPractices.ByThemeAndYear {
		for _, b := range s.Buckets {
			var y int
			fmt.Sscan(b.Key, &y)
			if want := listTotal(t, h, "bestPractices", "BestPracticeFilter", map[string]any{"theme": []string{s.Key}, "year": map[string]any{"from": y, "to": y}}); b.Count != want {
				t.Errorf("%s in %d: %d, the list has %d", s.Key, y, b.Count, want)
			}
			pairs++
		}
	}
	if pairs < 10 {
		t.Errorf("only %d theme-year pairs", pairs)
	}
	// The status budgets add up to the total budget (in cents, to stay exact).
	cents := func(s string) int64 {
		var e, c int64
		fmt.Sscanf(s, "%d.%d", &e, &c)
		return e*100 + c
	}
	var statusSum int64
	for _, b := range out.Stats.FundingOpportunities.ByStatus {
		statusSum += cents(b.TotalBudget)
	}
	if statusSum != cents(out.Stats.FundingOpportunities.TotalBudget) || statusSum == 0 {
		t.Errorf("budgets by status add up to %d cents, the total is %s", statusSum, out.Stats.FundingOpportunities.TotalBudget)
	}
	// Upcoming deadlines: soonest first, each one of its call's deadlines, days counted from today.
	dls := out.Stats.FundingOpportunities.UpcomingDeadlines
	if len(dls) < 3 {
		t.Fatalf("%d upcoming deadlines in a year of demo data", len(dls))
	}
	today := h.DB().Today()
	for i, d := range dls {
		if i > 0 && d.Date < dls[i-1].Date {
			t.Errorf("deadlines out of order: %s after %s", d.Date, dls[i-1].Date)
		}
		ds := d.FundingOpportunity.Deadlines
		if !slices.Contains(ds, d.Date) || d.Final != (ds[len(ds)-1] == d.Date) {
			t.Errorf("deadline %s (final %v) is not one of %v", d.Date, d.Final, ds)
		}
		if got := today.AddDate(0, 0, d.DaysLeft).Format("2006-01-02"); got != d.Date {
			t.Errorf("%s is %d days from %s", d.Date, d.DaysLeft, today.Format("2006-01-02"))
		}
	}
	if r := h.Post(`{ stats { fundingOpportunities { upcomingDeadlines(days: 5000) { date } } } }`, nil); len(r.Errors) != 1 || hubtest.ErrorCodes(r.Errors)[0] != "BAD_USER_INPUT" {
		t.Errorf("days: 5000 gave %v", r.Errors)
	}
}

// Recommendations and similar tools of a whole page cost one statement each, and rank the same as when
// asked for one parent at a time.
func TestRankingsOfAPageAreBatched(t *testing.T) {
	h := hubtest.Shared(t)
	for _, c := range []struct{ list, one, field string }{
		{`{ members(first: 30) { nodes { slug recommendedFunding(first: 3) { fundingOpportunity { identifier } } } } }`,
			`query($s: String!) { member(slug: $s) { recommendedFunding(first: 3) { fundingOpportunity { identifier } } } }`, "recommendedFunding"},
		{`{ digitalTools(first: 30) { nodes { slug similar(first: 3) { slug } } } }`,
			`query($s: String!) { digitalTool(slug: $s) { similar(first: 3) { slug } } }`, "similar"},
	} {
		fewest := int64(-1)
		var data json.RawMessage
		for range 3 {
			n, r := h.CountStatements(c.list)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", c.field, r.Errors)
			}
			if fewest < 0 || n < fewest {
				fewest = n
			}
			data = r.Data
		}
		// The page and its count (if asked), then one statement for the rankings of every row.
		if fewest > 2 {
			t.Errorf("%s of a page of 30 ran %d statements, want 2", c.field, fewest)
		}
		var page map[string]struct {
			Nodes []map[string]json.RawMessage
		}
		json.Unmarshal(data, &page)
		for _, list := range page {
			if len(list.Nodes) < 20 {
				t.Fatalf("%s: only %d rows", c.field, len(list.Nodes))
			}
			for _, n := range list.Nodes[:5] {
				var slug string
				json.Unmarshal(n["slug"], &slug)
				var one map[string]map[string]json.RawMessage
				h.Query(c.one, map[string]any{"s": slug}, &one)
				for _, alone := range one {
					if string(alone[c.field]) != string(n[c.field]) {
						t.Errorf("%s of %s: in a page %s, alone %s", c.field, slug, n[c.field], alone[c.field])
					}
				}
			}
		}
	}
}
