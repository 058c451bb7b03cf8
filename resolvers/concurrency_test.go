package resolvers_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

// Two editors save different fields of one practice, and of one member, at the same moment, 50 times
// over HTTP: every save keeps the other's change, and every write counts one version.
func TestConcurrentEditsOverHTTPKeepBothChanges(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin()
	practice, member := h.ID("bestPractice", "cork-smart-parking-sensors"), h.ID("member", "vng")
	cases := []struct {
		name, mutation, read string
		id                   string
		a, b                 func(round int) map[string]any
		check                func(round int, got map[string]any) error
	}{
		{name: "practice", id: practice,
			mutation: `mutation($in: UpdateBestPracticeInput!) { m: updateBestPractice(input: $in) { userErrors { code message } } }`,
			read:     `query($s: String!) { x: bestPractice(slug: $s) { title summary version } }`,
			a: func(i int) map[string]any {
				return map[string]any{"title": fmt.Sprintf("Parking sensors, round %d", i)}
			},
			b: func(i int) map[string]any { return map[string]any{"summary": fmt.Sprintf("Summary of round %d", i)} },
			check: func(i int, got map[string]any) error {
				if got["title"] != fmt.Sprintf("Parking sensors, round %d", i) || got["summary"] != fmt.Sprintf("Summary of round %d", i) {
					return fmt.Errorf("title %q, summary %q", got["title"], got["summary"])
				}
				return nil
			}},
		{name: "member", id: member,
			mutation: `mutation($in: UpdateMemberInput!) { m: updateMember(input: $in) { userErrors { code message } } }`,
			read:     `query($s: String!) { x: member(slug: $s) { description website version } }`,
			a:        func(i int) map[string]any { return map[string]any{"description": fmt.Sprintf("Description %d", i)} },
			b: func(i int) map[string]any {
				return map[string]any{"website": fmt.Sprintf("https://vng.example.org/%d", i)}
			},
			check: func(i int, got map[string]any) error {
				if got["description"] != fmt.Sprintf("Description %d", i) || got["website"] != fmt.Sprintf("https://vng.example.org/%d", i) {
					return fmt.Errorf("description %q, website %q", got["description"], got["website"])
				}
				return nil
			}},
	}
	for _, c := range cases {
		slug := map[string]string{"practice": "cork-smart-parking-sensors", "member": "vng"}[c.name]
		var before struct{ X map[string]any }
		h.Query(c.read, map[string]any{"s": slug}, &before)
		version := before.X["version"].(float64)
		for round := range 50 {
			var wg sync.WaitGroup
			for _, change := range []map[string]any{c.a(round), c.b(round)} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var out struct{ M struct{ UserErrors []any } }
					h.Query(c.mutation, map[string]any{"in": hubtest.Merge(change, map[string]any{"id": c.id})}, &out)
					if len(out.M.UserErrors) > 0 {
						t.Errorf("%s round %d: %v", c.name, round, out.M.UserErrors)
					}
				}()
			}
			wg.Wait()
			var after struct{ X map[string]any }
			h.Query(c.read, map[string]any{"s": slug}, &after)
			if err := c.check(round, after.X); err != nil {
				t.Fatalf("%s round %d lost a change: %v", c.name, round, err)
			}
			if v := after.X["version"].(float64); v != version+2 {
				t.Fatalf("%s round %d: version %v after two writes from %v", c.name, round, v, version)
			}
			version += 2
		}
	}
}

// An edit form that saves with the version it read is refused once someone else saved in between, and
// the other's change stays.
func TestStaleEditFormGetsConflict(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin()
	id := h.ID("bestPractice", "cork-smart-parking-sensors")
	var read struct{ X struct{ Version int } }
	h.Query(`{ x: bestPractice(slug: "cork-smart-parking-sensors") { version } }`, nil, &read)
	save := `mutation($in: UpdateBestPracticeInput!) { m: updateBestPractice(input: $in) {
		bestPractice { title version } userErrors { field code message } } }`
	var first struct {
		M struct {
			BestPractice *struct {
				Title   string
				Version int
			}
			UserErrors []struct {
				Field         []string
				Code, Message string
			}
		}
	}
	h.Query(save, map[string]any{"in": map[string]any{"id": id, "title": "Saved first", "expectedVersion": read.X.Version}}, &first)
	if len(first.M.UserErrors) > 0 || first.M.BestPractice.Version != read.X.Version+1 {
		t.Fatalf("the first save: %+v", first.M)
	}
	before := h.Snapshot()
	var second = first
	second.M.BestPractice = nil
	h.Query(save, map[string]any{"in": map[string]any{"id": id, "title": "Saved second", "expectedVersion": read.X.Version}}, &second)
	if len(second.M.UserErrors) != 1 || second.M.UserErrors[0].Code != "CONFLICT" || second.M.BestPractice != nil {
		t.Fatalf("a save with a stale version: %+v", second.M)
	}
	if h.Snapshot() != before {
		t.Error("a refused save changed the data")
	}
	var now struct{ X struct{ Title string } }
	h.Query(`{ x: bestPractice(slug: "cork-smart-parking-sensors") { title } }`, nil, &now)
	if now.X.Title != "Saved first" {
		t.Errorf("title %q, want the first save's", now.X.Title)
	}
}
