package search

import (
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// Typo tolerance depends on a word's length in characters, not bytes: "ćao" is 3 characters (5 bytes)
// and gets none; "Ελλάδα" is 6 (12 bytes) and gets one edit, not two.
func TestTyposCountCharacters(t *testing.T) {
	b := &builder{}
	for word, want := range map[string]int{"ćao": 0, "park": 1, "Ελλάδα": 1, "Bürgerbeteiligung": 2, "straße": 1} {
		got := 0
		for _, q := range b.wordQuery(word, "", true, false).(*query.DisjunctionQuery).Disjuncts {
			if f, ok := q.(*query.FuzzyQuery); ok {
				got = f.Fuzziness
			}
		}
		if got != want {
			t.Errorf("%s: %d edits, want %d", word, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []clause
	}{
		{"smart parking", []clause{{pos: 0, text: "smart"}, {pos: 6, text: "parking", last: true}}},
		{"smart parking ", []clause{{pos: 0, text: "smart"}, {pos: 6, text: "parking"}}},
		{`+"open data" -portal`, []clause{{pos: 0, op: '+', text: "open data", phrase: true}, {pos: 13, op: '-', text: "portal", last: true}}},
		{"title:register city: x", []clause{{pos: 0, field: "title", text: "register"}, {pos: 15, text: "city:"}, {pos: 21, text: "x", last: true}}},
		{`theme:"local-digital-twins"`, []clause{{pos: 0, field: "theme", text: "local-digital-twins", phrase: true}}},
		{"e-government", []clause{{pos: 0, text: "e-government", last: true}}},
	} {
		got, err := parse(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q clause %d: %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}
