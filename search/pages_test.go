package search

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/smartcommunities/hub/db"
)

// searchPage keeps the best hits itself, reading ids only for ties; its pages must be those of Bleve's own
// sort by score, then id, ties included (a blank query scores every match alike).
func TestSearchPageOrdersAsBleveSortsByScoreThenID(t *testing.T) {
	x, _ := newIndex(t, true)
	ctx := context.Background()
	for _, text := range []string{"", "city", "digital platform", "data"} {
		var q query.Query = query.NewMatchAllQuery()
		if text != "" {
			mq := query.NewMatchQuery(text)
			mq.SetField(fieldTitle)
			q = query.NewDisjunctionQuery([]query.Query{mq, term(fieldType, "MEMBER")})
		}
		for _, page := range [][2]int{{0, 1}, {0, 10}, {3, 5}, {10, 10}, {40, 100}} {
			from, size := page[0], page[1]
			err := x.reading(func(idx bleve.Index) error {
				got, err := searchPage(ctx, idx, q, from, size)
				if err != nil {
					return err
				}
				req := bleve.NewSearchRequestOptions(q, size+1, from, false)
				req.SortBy([]string{"-_score", "_id"})
				want, err := idx.SearchInContext(ctx, req)
				if err != nil {
					return err
				}
				if got.Total != want.Total || !slices.Equal(hitIDs(got), hitIDs(want)) {
					t.Errorf("%q from %d size %d: %d %v, want %d %v", text, from, size, got.Total, hitIDs(got), want.Total, hitIDs(want))
				}
				if text == "" && from == 0 && size == 10 && len(got.Hits) != 11 {
					t.Errorf("a blank query's first page has %d hits, want 11", len(got.Hits))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

func hitIDs(res *bleve.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, fmt.Sprintf("%s %.6f", h.ID, h.Score))
	}
	return out
}

// The next pages of a search take its total and facets from the cache, but a write between two pages
// shows in the second.
func TestNextPageSeesWritesBetweenPages(t *testing.T) {
	ctx := context.Background()
	var texts [][2]string
	for i := range 12 {
		texts = append(texts, [2]string{"en", fmt.Sprintf("Quokka counting number %d", i)})
	}
	x, d, _ := practicesIndex(t, texts)
	five := 5
	r := Request{Query: "quokka", First: &five, Today: d.Today()}
	first, err := x.Search(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if first.TotalCount != 12 || facetCount(first, fieldCountry, "BE") != 12 || !first.HasNextPage {
		t.Fatalf("page 1: %d hits, %d in BE, want 12", first.TotalCount, facetCount(first, fieldCountry, "BE"))
	}
	if x.searches.get(r.key(five), x.generation.Load()) == nil {
		t.Fatal("page 1 is not in the cache")
	}
	// Unchanged index: page 2 is what it would be without the cache.
	r.After = &first.Hits[len(first.Hits)-1].Cursor
	cached, err := x.Search(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	searches := x.searches
	x.searches = nil
	fresh, err := x.Search(ctx, r)
	x.searches = searches
	if err != nil {
		t.Fatal(err)
	}
	cached.Took, fresh.Took = 0, 0
	if !reflect.DeepEqual(cached, fresh) {
		t.Errorf("page 2 from the cache:\n%+v\nwithout it:\n%+v", cached, fresh)
	}
	published := db.BestPracticeStatusPublished
	author, _ := d.MemberBySlug(ctx, "ranking-test-association")
	if _, errs, err := d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: "Quokka counting in Denmark",
		Language: "en", Country: "DK", Year: 2024, Status: &published, Authors: []db.MemberID{db.MemberID(author.ID)}}); err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if err := x.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := x.Search(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if second.TotalCount != 13 || facetCount(second, fieldCountry, "DK") != 1 {
		t.Errorf("page 2 after a write: %d hits, %d in DK, want 13 and 1", second.TotalCount, facetCount(second, fieldCountry, "DK"))
	}
}

func facetCount(r *Result, field, value string) int {
	for _, f := range r.Facets {
		if f.Field == field {
			for _, b := range f.Buckets {
				if b.Value == value {
					return b.Count
				}
			}
		}
	}
	return 0
}

// One caller's search that finds their drafts lends its total and facets to no other caller.
func TestCachedSearchesKeepCallersApart(t *testing.T) {
	ctx := context.Background()
	x, d, _ := practicesIndex(t, [][2]string{{"en", "Wombat census"}})
	author, _ := d.MemberBySlug(ctx, "ranking-test-association")
	draft := db.BestPracticeStatusDraft
	if _, errs, err := d.CreateBestPractice(ctx, &db.CreateBestPracticeInput{Title: "Wombat census draft", Language: "en",
		Country: "BE", Year: 2024, Status: &draft, Authors: []db.MemberID{db.MemberID(author.ID)}}); err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if err := x.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ask := func(access db.ReadAccess) int {
		res, err := x.Search(ctx, Request{Query: "wombat", Filter: Filter{Status: []string{"DRAFT", "PUBLISHED"}},
			Access: access, Today: d.Today()})
		if err != nil {
			t.Fatal(err)
		}
		return res.TotalCount
	}
	for _, c := range []struct {
		who    string
		access db.ReadAccess
		want   int
	}{{"the author", db.ReadAccess{Member: author.ID}, 2}, {"another member", db.ReadAccess{Member: author.ID + 1000}, 1},
		{"anyone", db.ReadAccess{}, 1}, {"an admin", db.ReadAccess{All: true}, 2}, {"the author again", db.ReadAccess{Member: author.ID}, 2}} {
		if got := ask(c.access); got != c.want {
			t.Errorf("%s: %d hits, want %d", c.who, got, c.want)
		}
	}
}

func TestSearchCacheIsBounded(t *testing.T) {
	c := newSearchCache(3)
	for i := range 5 {
		c.put(searchKey(fmt.Sprint(i)), &settled{generation: 1, total: i})
		if i == 3 {
			c.get("1", 1) // used: kept over 2
		}
	}
	if c.len() != 3 {
		t.Errorf("%d entries, want 3", c.len())
	}
	for key, want := range map[searchKey]bool{"0": false, "1": true, "2": false, "3": true, "4": true} {
		if got := c.get(key, 1) != nil; got != want {
			t.Errorf("%s kept: %v, want %v", key, got, want)
		}
	}
	if c.get("4", 2) != nil || c.get("4", 1) != nil {
		t.Error("an entry of an older generation is served")
	}
	c.put("5", &settled{generation: 3})
	c.put("5", &settled{generation: 2})
	if c.get("5", 3) == nil {
		t.Error("a slower search's older answer replaced a newer one")
	}
}
