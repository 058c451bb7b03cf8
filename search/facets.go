package search

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/smartcommunities/hub/db"
)

// Facets are counted from the facet field's postings, not from each match's doc values: a search notes
// its matches in a bitmap per segment, and each facet term's count is the size of the intersection of
// that bitmap with the term's postings, which are bitmaps already. Reading and decompressing the doc
// values of every match was half of a broad search's time.

// facetQuery is inner, counting the facet terms of everything it matches into counts.
type facetQuery struct {
	inner  query.Query
	counts map[string]int // filled when the search has seen its last match
}

func (q *facetQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping,
	options search.SearcherOptions) (search.Searcher, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("facets need a scorch index, not %T", r)
	}
	s, err := q.inner.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	segs := snap.Segments()
	fs := &facetSearcher{Searcher: s, q: q, segs: segs, offsets: make([]uint64, len(segs)),
		matches: make([]*roaring.Bitmap, len(segs))}
	var running uint64
	for i, ss := range segs {
		// The global document numbers of a snapshot run through its segments in order, each taking as
		// many as its segment holds, deleted ones included (scorch's offsets).
		fs.offsets[i] = running
		running += ss.Segment().Count()
		fs.matches[i] = roaring.New()
	}
	return fs, nil
}

type facetSearcher struct {
	search.Searcher
	q       *facetQuery
	segs    []*scorch.SegmentSnapshot
	offsets []uint64
	matches []*roaring.Bitmap // by segment, local document numbers
	last    int               // the segment of the last match: matches come in document order
}

func (s *facetSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	d, err := s.Searcher.Next(ctx)
	if err != nil {
		return nil, err
	}
	if d == nil {
		if s.q.counts == nil {
			s.q.counts = s.count()
		}
		return nil, nil
	}
	n := d.IndexInternalID.Value()
	i := s.last
	if i >= len(s.offsets) || n < s.offsets[i] || i+1 < len(s.offsets) && n >= s.offsets[i+1] {
		i = sort.Search(len(s.offsets), func(x int) bool { return s.offsets[x] > n }) - 1
		s.last = i
	}
	if i >= 0 {
		s.matches[i].Add(uint32(n - s.offsets[i]))
	}
	return d, nil
}

func (s *facetSearcher) count() map[string]int {
	out := map[string]int{}
	for i, ss := range s.segs {
		if s.matches[i].IsEmpty() {
			continue
		}
		for term, docs := range facetPostings(ss.Segment()) {
			if n := int(s.matches[i].AndCardinality(docs)); n > 0 {
				out[term] += n
			}
		}
	}
	return out
}

// facetPostings are a segment's facet terms with their documents. Segments do not change once written,
// so they are read once per segment; a rebuild or merges replace segments, and the cache starts over
// when it holds far more of them than an index has at a time.
func facetPostings(seg segment.Segment) map[string]*roaring.Bitmap {
	facetCache.Lock()
	defer facetCache.Unlock()
	if p, ok := facetCache.bySegment[seg]; ok {
		return p
	}
	if len(facetCache.bySegment) >= maxCachedSegments {
		clear(facetCache.bySegment)
	}
	p := readFacetPostings(seg)
	facetCache.bySegment[seg] = p
	return p
}

var facetCache = struct {
	sync.Mutex
	bySegment map[segment.Segment]map[string]*roaring.Bitmap
}{bySegment: map[segment.Segment]map[string]*roaring.Bitmap{}}

const maxCachedSegments = 256

func readFacetPostings(seg segment.Segment) map[string]*roaring.Bitmap {
	out := map[string]*roaring.Bitmap{}
	dict, err := seg.Dictionary(fieldFacet)
	if err != nil {
		return out
	}
	terms := dict.AutomatonIterator(nil, nil, nil)
	for {
		e, err := terms.Next()
		if err != nil || e == nil {
			return out
		}
		pl, err := dict.PostingsList([]byte(e.Term), nil, nil)
		if err != nil {
			continue
		}
		docs := roaring.New()
		if o, ok := pl.(interface{ OrInto(*roaring.Bitmap) }); ok {
			o.OrInto(docs)
		} else {
			it := pl.Iterator(false, false, false, nil)
			for p, err := it.Next(); err == nil && p != nil; p, err = it.Next() {
				docs.Add(uint32(p.Number()))
			}
		}
		docs.RunOptimize()
		out[e.Term] = docs
	}
}

// facets splits the counts of the facet field into the facets. A funding opportunity's status is counted
// from its period on today (periodTerm).
func facets(terms map[string]int, today time.Time) []*Facet {
	counts := map[string][]Bucket{}
	funding := map[db.FundingStatus]int{}
	for t, n := range terms {
		field, value, _ := strings.Cut(t, "=")
		if field != fieldPeriod {
			counts[field] = append(counts[field], Bucket{Value: value, Count: n})
		} else if s, ok := periodStatus(value, today); ok {
			funding[s] += n
		}
	}
	for s, n := range funding {
		counts[fieldStatus] = append(counts[fieldStatus], Bucket{Value: string(s), Count: n})
	}
	out := make([]*Facet, 0, len(facetFields))
	for _, ff := range facetFields {
		f := &Facet{Field: ff.name, Buckets: counts[ff.name]}
		sort.SliceStable(f.Buckets, func(i, j int) bool {
			a, b := f.Buckets[i], f.Buckets[j]
			return a.Count > b.Count || a.Count == b.Count && a.Value < b.Value
		})
		if len(f.Buckets) > ff.size {
			f.Buckets = f.Buckets[:ff.size]
		}
		if f.Buckets == nil {
			f.Buckets = []Bucket{}
		}
		for i := range f.Buckets {
			f.Buckets[i].Field = ff.name
		}
		out = append(out, f)
	}
	return out
}
