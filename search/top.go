package search

import (
	"container/heap"
	"context"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Hits rank by score, and equal scores by id: index order changes when segments merge, which would move
// hits between pages. Asking Bleve to sort by ["-_score", "_id"] reads every match's id from its stored
// fields before comparing it (a fifth of a broad search's time), though only matches tied with the last
// of the best seen so far need it. topHits keeps the best itself and reads ids only for those ties.

// searchPage runs q for the hits from to from+size, and one more to tell whether a next page exists, in
// that order.
func searchPage(ctx context.Context, idx bleve.Index, q query.Query, from, size int) (*bleve.SearchResult, error) {
	k := from + size + 1
	// Bleve keeps, sorted by score alone, the k matches topHits hands it at the end.
	req := bleve.NewSearchRequestOptions(q, k, 0, false)
	req.SortBy([]string{"-_score"})
	res, err := idx.SearchInContext(context.WithValue(ctx, search.MakeDocumentMatchHandlerKey,
		search.MakeDocumentMatchHandler(func(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
			next, _, err := collector.MakeTopNDocumentMatchHandler(sctx)
			if err != nil {
				return nil, false, err
			}
			t := &topHits{k: k, sctx: sctx, next: next}
			return t.handle, false, nil
		})), req)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(res.Hits, byScoreThenID)
	if from < len(res.Hits) {
		res.Hits = res.Hits[from:]
	} else {
		res.Hits = res.Hits[:0]
	}
	return res, nil
}

func byScoreThenID(a, b *search.DocumentMatch) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// topHits is the k best matches seen so far, the worst on top.
type topHits struct {
	k    int
	sctx *search.SearchContext
	next search.DocumentMatchHandler // Bleve's own, given the k best at the end
	hits []*search.DocumentMatch
	err  error
}

func (t *topHits) handle(d *search.DocumentMatch) error {
	if t.err != nil {
		return t.err
	}
	if d == nil {
		for _, h := range t.hits {
			if err := t.next(h); err != nil {
				return err
			}
		}
		t.hits = nil
		return t.next(nil)
	}
	if len(t.hits) < t.k {
		heap.Push(t, d)
		return t.err
	}
	worst := t.hits[0]
	if t.compare(d, worst) >= 0 {
		t.sctx.DocumentMatchPool.Put(d)
		return t.err
	}
	t.hits[0] = d
	heap.Fix(t, 0)
	t.sctx.DocumentMatchPool.Put(worst)
	return t.err
}

// compare orders a before b when it ranks higher, reading ids only when the scores are equal.
func (t *topHits) compare(a, b *search.DocumentMatch) int {
	if a.Score != b.Score {
		return byScoreThenID(a, b)
	}
	for _, d := range []*search.DocumentMatch{a, b} {
		if d.ID == "" && t.err == nil {
			d.ID, t.err = t.sctx.IndexReader.ExternalID(d.IndexInternalID)
		}
	}
	return strings.Compare(a.ID, b.ID)
}

func (t *topHits) Len() int           { return len(t.hits) }
func (t *topHits) Less(i, j int) bool { return t.compare(t.hits[i], t.hits[j]) > 0 }
func (t *topHits) Swap(i, j int)      { t.hits[i], t.hits[j] = t.hits[j], t.hits[i] }
func (t *topHits) Push(x any)         { t.hits = append(t.hits, x.(*search.DocumentMatch)) }
func (t *topHits) Pop() any {
	d := t.hits[len(t.hits)-1]
	t.hits = t.hits[:len(t.hits)-1]
	return d
}
