package hubtest

import (
	"context"
	"fmt"
	"maps"

	"github.com/smartcommunities/hub/db/dbtest"
)

// Snapshot fingerprints every entity and link table, to prove a refused mutation changed nothing.
func (h *Hub) Snapshot() string {
	h.T.Helper()
	sum, err := dbtest.Fingerprint(context.Background(), h.DB().Pool)
	if err != nil {
		h.T.Fatal(err)
	}
	return sum
}

// ID looks up the global ID of a demo entity by its slug, or its identifier for a funding opportunity;
// kind is the query field: member, bestPractice, digitalTool or fundingOpportunity.
func (h *Hub) ID(kind, key string) string {
	h.T.Helper()
	var data map[string]*struct{ ID string }
	arg := map[string]string{"member": "slug", "bestPractice": "slug", "digitalTool": "slug", "fundingOpportunity": "identifier"}[kind]
	h.Query(fmt.Sprintf(`{ x: %s(%s: %q) { id } }`, kind, arg, key), nil, &data)
	if data["x"] == nil {
		h.T.Fatalf("no %s %s", kind, key)
	}
	return data["x"].ID
}

// Merge is base with the keys of over replaced: an input that differs from a valid one in a field.
func Merge(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, over)
	return out
}

// MembersNested is the README's first query: a page of members, each with a page of practices and
// their tools.
const MembersNested = `{ members(first: 50) { totalCount edges { node { id name country { code }
	bestPractices(first: 5) { totalCount nodes { title tools { name } } } } } } }`

// MembersNestedData is what MembersNested answers.
type MembersNestedData struct {
	Members struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Name      string
				Country       struct{ Code string }
				BestPractices struct {
					TotalCount int
					Nodes      []struct {
						Title string
						Tools []struct{ Name string }
					}
				}
			}
		}
	}
}
