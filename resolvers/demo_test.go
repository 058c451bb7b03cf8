package resolvers_test

import (
	"strings"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

func TestDemoMembersWithNestedPracticesAndTools(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var data hubtest.MembersNestedData
	h.Query(hubtest.MembersNested, nil, &data)
	if data.Members.TotalCount < 25 || len(data.Members.Edges) != data.Members.TotalCount {
		t.Fatalf("want all of at least 25 demo members on one page, got %d of %d", len(data.Members.Edges), data.Members.TotalCount)
	}
	countries, practices, tools := map[string]bool{}, 0, 0
	for _, e := range data.Members.Edges {
		countries[e.Node.Country.Code] = true
		if n, total := len(e.Node.BestPractices.Nodes), e.Node.BestPractices.TotalCount; n != min(5, total) {
			t.Errorf("%s: %d practices on a page of 5 with totalCount %d", e.Node.Name, n, total)
		}
		for _, p := range e.Node.BestPractices.Nodes {
			practices++
			tools += len(p.Tools)
		}
	}
	if len(countries) < 20 {
		t.Errorf("demo members come from %d countries, want at least 20", len(countries))
	}
	if practices < 40 || tools < 20 {
		t.Errorf("nested data too thin: %d practices, %d tools", practices, tools)
	}
	var vng struct {
		Member struct {
			Name          string
			BestPractices struct{ Nodes []struct{ Title string } }
		}
	}
	h.Query(`{ member(slug: "vng") { name bestPractices(first: 100) { nodes { title } } } }`, nil, &vng)
	if !strings.Contains(vng.Member.Name, "Netherlands") || len(vng.Member.BestPractices.Nodes) == 0 {
		t.Errorf("member(slug: vng) = %+v", vng.Member)
	}
}

// The batching promise: a nested query costs the same number of statements whatever its page size.
func TestNestedQueryStatementsDoNotGrowWithPageSize(t *testing.T) {
	h := hubtest.Shared(t)
	small := strings.Replace(hubtest.MembersNested, "first: 50", "first: 5", 1)
	// The fewest of three tries: on a machine busy enough, a loader's wait can end before a batch has
	// fully arrived and cost one statement more, now and then; a query that is not batched costs more
	// every time.
	fewest := func(q string) int64 {
		n := int64(-1)
		for range 3 {
			c, r := h.CountStatements(q)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %v", r.Errors)
			}
			if n < 0 || c < n {
				n = c
			}
		}
		return n
	}
	n5, n50 := fewest(small), fewest(hubtest.MembersNested)
	if n5 != n50 {
		t.Errorf("first: 5 ran %d SQL statements, first: 50 ran %d: nested fields are not batched", n5, n50)
	}
	// members page + count, practice pages + counts, tools: five levels of batched loads.
	if n50 > 6 || n50 == 0 {
		t.Errorf("first: 50 ran %d statements, want at most 6", n50)
	}
	t.Logf("statements: first 5: %d, first 50: %d", n5, n50)
}
