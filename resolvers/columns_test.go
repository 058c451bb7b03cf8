package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/hubtest"
)

// Lists leave out the columns a query does not show (db.WithFieldsAsked), but never one it shows:
// wherever in the query a field is asked, under an alias, a fragment, an interface or another list of
// the same type, it is answered as a query asking for everything answers it.
func TestQueriesGetEveryFieldTheyAsk(t *testing.T) {
	h := hubtest.StartWith(t, true, func(c *config.Config) { c.ResponseCacheBytes = 0 })
	type practice struct {
		ID, Title, Summary, Slug, Language string
		Tools                              []struct{ Name, Licence string }
	}
	var full struct{ BestPractices struct{ Nodes []practice } }
	h.Query(`{ bestPractices(first: 20) { nodes { id title summary slug language tools { name licence } } } }`, nil, &full)
	if len(full.BestPractices.Nodes) < 5 || full.BestPractices.Nodes[0].Summary == "" {
		t.Fatalf("the demo practices: %+v", full.BestPractices.Nodes)
	}
	byID := map[string]practice{}
	for _, p := range full.BestPractices.Nodes {
		byID[p.ID] = p
	}
	same := func(label string, got []practice, fields func(p practice) practice) {
		t.Helper()
		if len(got) == 0 {
			t.Errorf("%s: no practices", label)
		}
		for _, p := range got {
			want := fields(byID[p.ID])
			a, _ := json.Marshal(p)
			b, _ := json.Marshal(want)
			if string(a) != string(b) {
				t.Errorf("%s: %s, want %s", label, a, b)
			}
		}
	}
	var two struct{ A, B struct{ Nodes []practice } }
	h.Query(`{ a: bestPractices(first: 20) { nodes { id title } }
		b: bestPractices(first: 20) { nodes { id ...more } } }
		fragment more on BestPractice { summary tools { name licence } }`, nil, &two)
	same("the list asking titles", two.A.Nodes, func(p practice) practice { return practice{ID: p.ID, Title: p.Title} })
	same("the list asking summaries and licences in a fragment", two.B.Nodes,
		func(p practice) practice { return practice{ID: p.ID, Summary: p.Summary, Tools: p.Tools} })

	var node struct{ Node practice }
	id := full.BestPractices.Nodes[0].ID
	h.Query(`query($id: ID!) { node(id: $id) { id ... on BestPractice { slug language } } }`, map[string]any{"id": id}, &node)
	same("a node asked through the interface", []practice{node.Node},
		func(p practice) practice { return practice{ID: p.ID, Slug: p.Slug, Language: p.Language} })
}
