package search

import (
	"errors"
	"testing"
	"time"
)

// go test ./search -fuzz FuzzQuery: any query parses and builds, or is refused with a QueryError.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"parkng sensors", `"unclosed`, "title:", "+", "-", `+"open data" -portal`, "type:member country:AT",
		"year:2024 status:open", `title:"smart parking`, "a:b:c", "\x00\xff", "Ελλάδα ćao", "e-government dell'aria"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Request{Query: s, Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
		clauses, u, err := r.understood(nil)
		if err == nil {
			_, err = r.build(clauses, u, nil, MatchAuto, true)
		}
		var qe *QueryError
		if err != nil && !errors.As(err, &qe) {
			t.Fatalf("%q: %v is not a QueryError", s, err)
		}
	})
}
