package search

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Facets are counted from postings per segment (facetQuery). Each facet term must count exactly the
// matches that have it, also when the index has several segments and documents replaced by newer versions
// (deleted in their old segment).
func TestFacetCountsMatchTheirMatches(t *testing.T) {
	x, d := newIndex(t, true)
	ctx := context.Background()
	stop := running(t, x)
	// Rewrite some practices one by one: each change is its own small segment, and the old version of
	// each document stays behind, deleted, in the segment it came from.
	var ids []int64
	rows, err := d.Pool.Query(ctx, `select id from best_practice where status = 'PUBLISHED' order by id limit 8`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if rows.Err() != nil || len(ids) < 8 {
		t.Fatalf("%d published practices: %v", len(ids), rows.Err())
	}
	for i, id := range ids {
		if _, err := d.Pool.Exec(ctx, `update best_practice set summary = summary || $2, language = 'lv' where id = $1`,
			id, fmt.Sprintf(" faceted%d", i)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the change to be indexed", func() bool {
			// Quoted: a word not yet indexed would match its neighbour ("faceted2") with a typo.
			return find(t, x, d, Request{Query: fmt.Sprintf(`"faceted%d"`, i)}).TotalCount == 1
		})
	}
	stop()
	segments := 0
	if err := x.reading(func(idx bleve.Index) error {
		adv, err := idx.Advanced()
		if err != nil {
			return err
		}
		r, err := adv.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		segments = len(r.(*scorch.IndexSnapshot).Segments())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if segments < 2 {
		t.Fatalf("the index has %d segment(s); the test needs several", segments)
	}
	queries := map[string]query.Query{
		"everything":       query.NewMatchAllQuery(),
		"digital in title": term(fieldTitle, "digital"),
		"a changed word":   term(fieldSummary, "faceted3"),
		"energy or data":   query.NewDisjunctionQuery([]query.Query{term(fieldBody, "energy"), term(fieldBody, "data")}),
	}
	err = x.reading(func(idx bleve.Index) error {
		for name, q := range queries {
			fq := &facetQuery{inner: q}
			res, err := idx.Search(bleve.NewSearchRequestOptions(fq, 1, 0, false))
			if err != nil {
				return err
			}
			if len(fq.counts) == 0 || res.Total == 0 {
				t.Errorf("%s: %d matches, facet counts %v", name, res.Total, fq.counts)
			}
			byType := 0
			for facetTerm, n := range fq.counts {
				if strings.HasPrefix(facetTerm, fieldType+"=") {
					byType += n
				}
				both := query.NewConjunctionQuery([]query.Query{q, term(fieldFacet, facetTerm)})
				want, err := idx.Search(bleve.NewSearchRequestOptions(both, 0, 0, false))
				if err != nil {
					return err
				}
				if uint64(n) != want.Total {
					t.Errorf("%s: %s counted %d times, %d matches have it", name, facetTerm, n, want.Total)
				}
			}
			if uint64(byType) != res.Total {
				t.Errorf("%s: the types count %d matches, the search finds %d", name, byType, res.Total)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := find(t, x, d, Request{Query: `"faceted5"`}); !hasBucket(res, fieldLanguage, "lv", 1) {
		t.Errorf("faceted5: the changed practice is not counted in Latvian: %+v", res.Facets)
	}
}

func hasBucket(res *Result, field, value string, count int) bool {
	for _, f := range res.Facets {
		for _, b := range f.Buckets {
			if f.Field == field && b.Value == value && b.Count == count {
				return true
			}
		}
	}
	return false
}
