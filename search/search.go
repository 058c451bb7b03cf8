package search

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/smartcommunities/hub/db"
)

// Request is one search.
type Request struct {
	Query    string
	Types    []string // SearchType values; none: all
	Filter   Filter
	Language string // the reader's language: words are also stemmed in it
	First    *int
	After    *string
	Today    time.Time // for the status of funding opportunities
	// Access is the unpublished content the caller may read, as in the lists: their draft practices
	// are found only when a status is asked for.
	Access db.ReadAccess
	// Matching is how many of the query's words a hit must match; MatchAuto when empty.
	Matching Matching
}

// Filter narrows a search; each list matches any of its values, as in the list filters.
type Filter struct {
	Theme, Country, Language, Programme, Status []string
	Year                                        *db.IntRange
}

// Result is a page of hits with the facets of all matches.
type Result struct {
	// Language is the one the query was read in: the reader's, or told from its words; "" when unsure.
	Language        string
	TotalCount      int
	Hits            []Hit
	Facets          []*Facet
	Took            time.Duration
	HasNextPage     bool
	HasPreviousPage bool
}

// Hit is one matching entity.
type Hit struct {
	Entity     string // GraphQL type name
	ID         int64
	Cursor     string
	Score      float64
	Highlights []*Highlight
	// MatchedConcepts are the query's concepts the hit carries (ConceptLabel names them).
	MatchedConcepts []string
}

// Facet counts the matches by the values of one field.
type Facet struct {
	Field   string
	Buckets []Bucket
}

// Bucket is one value of a facet and how many matches have it.
type Bucket struct {
	Value string
	Count int
	// Field is the facet's, so that the bucket can be named for people.
	Field string
}

// ErrBadArgs marks page arguments the caller must correct.
var ErrBadArgs = errors.New("bad search arguments")

// ErrUnavailable is returned while there is no index to search: the first build is running.
type ErrUnavailable struct{ Progress float64 }

func (e *ErrUnavailable) Error() string {
	return fmt.Sprintf("the search index is being built (%.0f%% done); try again shortly", e.Progress*100)
}

const (
	defaultFirst = 10
	maxFirst     = 100
	maxOffset    = 10_000
)

// facetFields are the facets every search returns, with how many buckets each keeps.
var facetFields = []struct {
	name string
	size int
}{{fieldType, 4}, {fieldTheme, 30}, {fieldCountry, 40}, {fieldLanguage, 40}, {fieldYear, 50},
	{fieldProgramme, 20}, {fieldStatus, 20}}

// Search runs a search on the current index.
func (x *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	from, size, hash, err := pageOf(r)
	if err != nil {
		return nil, err
	}
	key := r.key(size)
	// Read before the search: an entry stored under it is at least as new as the generation.
	generation := x.generation.Load()
	known := x.searches.get(key, generation)
	var res *bleve.SearchResult
	var u *understanding
	final := &settled{generation: generation}
	err = x.reading(func(idx bleve.Index) error {
		v, done := vocabularyOf(ctx, idx)
		defer done()
		clauses, qu, err := r.understood(v)
		if err != nil {
			return err
		}
		u = qu
		// run searches with the settled query so far; with facets, its matches are counted into them.
		run := func(m Matching, widen, withFacets bool) (query.Query, error) {
			q, err := r.build(clauses, u, v, m, widen)
			if err != nil {
				return nil, err
			}
			var top query.Query = q
			fq := &facetQuery{inner: q}
			if withFacets {
				top = fq
			}
			if res, err = searchPage(ctx, idx, top, from, size); err != nil {
				return nil, err
			}
			final.matching, final.widen, final.total, final.counts = m, widen, int(res.Total), fq.counts
			return q, nil
		}
		if known != nil {
			q, err := run(known.matching, known.widen, false)
			if err != nil {
				return err
			}
			return addHighlightData(ctx, idx, q, res)
		}
		// The query's own words first; when they find few hits, its concepts widen the search, and when
		// all the words together still find less than a page (AUTO), those matching most of them follow.
		// A query whose own words find many hits already has its best answers among them: widening it
		// would only score thousands more matches to rank them below (bounded work).
		auto := r.Matching == "" || r.Matching == MatchAuto
		matching := r.Matching
		if auto {
			matching = MatchAll
		}
		q, err := run(matching, false, true)
		if err != nil {
			return err
		}
		if len(u.all) > 0 && int(res.Total) < widenBelow {
			if q, err = run(matching, true, true); err != nil {
				return err
			}
		}
		// The choice depends on the query and the page size alone, so every page of one search makes it
		// alike.
		if auto && u.optional >= 2 && int(res.Total) < size {
			if q, err = run(MatchMost, true, true); err != nil {
				return err
			}
			if res.Total == 0 && u.optional >= 3 {
				if q, err = run(matchAny, true, true); err != nil {
					return err
				}
			}
		}
		return addHighlightData(ctx, idx, q, res)
	})
	if err != nil {
		return nil, err
	}
	if known != nil {
		final = known
	} else {
		x.searches.put(key, final)
	}
	out, err := resultPage(res, final, r, from, size, hash, u)
	if err == nil {
		out.Took = time.Since(start) // both searches, the query's parsing and the highlights
		searchDuration.Observe(out.Took.Seconds())
	}
	return out, err
}

// addHighlightData fetches the term locations and texts of a page's hits with a second search limited to
// them. Asking the first search for locations would decode them for every match, not only the page's,
// which made broad queries several times slower.
func addHighlightData(ctx context.Context, idx bleve.Index, q query.Query, res *bleve.SearchResult) error {
	if len(res.Hits) == 0 {
		return nil
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), q}),
		len(ids), 0, false)
	req.Fields = []string{fieldTitle, fieldSummary, fieldBody, fieldLanguage}
	req.IncludeLocations = true
	hl, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return err
	}
	byID := make(map[string]*search.DocumentMatch, len(hl.Hits))
	for _, h := range hl.Hits {
		byID[h.ID] = h
	}
	wanted := langTerms(q)
	for _, h := range res.Hits {
		if m := byID[h.ID]; m != nil {
			h.Fields, h.Locations = m.Fields, m.Locations
			langLocations(h, wanted)
		}
	}
	return nil
}

// vocabularyOf opens the index's words for understanding a query; call done when the query is built.
func vocabularyOf(ctx context.Context, idx bleve.Index) (*vocabulary, func()) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, func() {}
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, func() {}
	}
	return newVocabulary(ctx, r), func() { r.Close() }
}

// resultPage turns Bleve's result into a page of hits.
func resultPage(res *bleve.SearchResult, s *settled, r Request, from, size int, hash uint64, u *understanding) (*Result, error) {
	out := &Result{TotalCount: s.total, HasPreviousPage: from > 0, Language: u.readerLanguage(r.Language)}
	if len(res.Hits) > size {
		out.HasNextPage = true
		res.Hits = res.Hits[:size]
	}
	for i, h := range res.Hits {
		entity, id, err := parseDocID(h.ID)
		if err != nil {
			return nil, err
		}
		out.Hits = append(out.Hits, Hit{Entity: entity, ID: id, Score: h.Score,
			Cursor: encodeCursor(from+i+1, hash), Highlights: highlights(h, u.readerLanguage(r.Language)),
			MatchedConcepts: matchedConcepts(h, u)})
	}
	out.Facets = facets(s.counts, r.Today)
	return out, nil
}

// widenBelow is the number of hits of a query's own words under which its concepts widen it.
const widenBelow = 500

// understood parses the query and tells what it means (understand): once per search, whatever the
// queries built from it.
func (r *Request) understood(v *vocabulary) ([]clause, *understanding, error) {
	clauses, err := parse(r.Query)
	if err != nil {
		return nil, nil, err
	}
	if r.Language != "" && !isLanguageCode(r.Language) {
		return nil, nil, fmt.Errorf("%w: language must be an ISO 639-1 code such as \"de\"", ErrBadArgs)
	}
	clauses = joinSplitWords(clauses, v)
	u, err := understand(clauses, r.Language, v)
	return clauses, u, err
}

// build is the Bleve query of the understood clauses, within the types and the filter; with widen, the
// words also match by the concepts they carry. Draft practices are left out unless a status is asked
// for, and then only those the caller may read. It sets u.optional.
func (r *Request) build(clauses []clause, u *understanding, v *vocabulary, matching Matching, widen bool) (query.Query, error) {
	b := &builder{today: r.Today, langs: u.stemIn, matching: matching}
	if widen {
		b.concepts = u.concepts
	}
	if v != nil {
		b.known, b.rarity, b.fields = v.known, v.rarity, v.fields
	}
	text, err := b.build(clauses)
	if err != nil {
		return nil, err
	}
	u.optional = b.plain
	must := []query.Query{text}
	if len(r.Types) > 0 {
		must = append(must, anyTerm(fieldType, r.Types, strings.ToUpper))
	}
	f := r.Filter
	for _, l := range []struct {
		field  string
		values []string
		norm   func(string) string
	}{{fieldTheme, f.Theme, strings.ToLower}, {fieldCountry, f.Country, strings.ToUpper},
		{fieldLanguage, f.Language, strings.ToLower}, {fieldProgramme, f.Programme, strings.ToUpper}} {
		if len(l.values) > 0 {
			must = append(must, anyTerm(l.field, l.values, l.norm))
		}
	}
	if len(f.Status) > 0 {
		b.statusAsked = true
		must = append(must, b.statusQuery(f.Status))
	}
	if f.Year != nil && (f.Year.From != nil || f.Year.To != nil) {
		yes := true
		lo, hi := "", ""
		if f.Year.From != nil {
			lo = fmt.Sprintf("%04d", *f.Year.From)
		}
		if f.Year.To != nil {
			hi = fmt.Sprintf("%04d", *f.Year.To)
		}
		yr := query.NewTermRangeInclusiveQuery(lo, hi, &yes, &yes)
		yr.SetField(fieldYear)
		must = append(must, yr)
	}
	var mustNot []query.Query
	draft := term(fieldStatus, string(db.BestPracticeStatusDraft))
	switch {
	case !b.statusAsked || (!r.Access.All && r.Access.Member == 0):
		mustNot = append(mustNot, draft)
	case !r.Access.All:
		others := query.NewBooleanQuery([]query.Query{draft}, nil,
			[]query.Query{term(fieldAuthor, strconv.FormatInt(r.Access.Member, 10))})
		mustNot = append(mustNot, others)
	}
	return booleanQuery(must, mustNot), nil
}

type cursor struct {
	Offset int    `json:"o"`
	Hash   uint64 `json:"h"`
}

func encodeCursor(offset int, hash uint64) string {
	b, _ := json.Marshal(cursor{offset, hash})
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageOf reads the page arguments. A cursor holds an offset and a hash of the search it came from, so
// that it cannot be used with another.
func pageOf(r Request) (from, size int, hash uint64, err error) {
	h := fnv.New64a()
	types := slices.Clone(r.Types)
	slices.Sort(types)
	json.NewEncoder(h).Encode([]any{r.Query, types, r.Filter, r.Language})
	hash = h.Sum64()
	size = defaultFirst
	if r.First != nil {
		if *r.First < 0 || *r.First > maxFirst {
			return 0, 0, 0, fmt.Errorf("%w: first must be between 0 and %d", ErrBadArgs, maxFirst)
		}
		size = *r.First
	}
	if r.After != nil {
		b, err := base64.RawURLEncoding.DecodeString(*r.After)
		var c cursor
		if err != nil || json.Unmarshal(b, &c) != nil || c.Offset < 0 {
			return 0, 0, 0, fmt.Errorf("%w: after is not a cursor of this search", ErrBadArgs)
		}
		if c.Hash != hash {
			return 0, 0, 0, fmt.Errorf("%w: after is a cursor of another search; start again without it", ErrBadArgs)
		}
		from = c.Offset
	}
	if from+size > maxOffset {
		return 0, 0, 0, fmt.Errorf("%w: search pages end after %d hits; narrow the search", ErrBadArgs, maxOffset)
	}
	return from, size, hash, nil
}

// Related finds the published practices most like src: sharing its words, themes and tools.
func (x *Index) Related(ctx context.Context, src *db.SearchSource, first int) ([]Hit, error) {
	if first < 0 || first > maxFirst {
		return nil, fmt.Errorf("%w: first must be between 0 and %d", ErrBadArgs, maxFirst)
	}
	var should []query.Query
	seen := map[string]bool{}
	v := src.Versions[0]
	for _, w := range words(v.Title + " " + v.Summary) {
		f := foldString(w)
		if seen[f] || stopWords[f] || len([]rune(f)) < 3 || len(seen) >= 30 {
			continue
		}
		seen[f] = true
		for _, r := range roles {
			t := query.NewTermQuery(f)
			t.SetField(r.name)
			t.SetBoost(r.boost)
			should = append(should, t)
		}
	}
	for _, t := range src.Themes {
		q := term(fieldTheme, t)
		q.(*query.TermQuery).SetBoost(4)
		should = append(should, q)
	}
	for _, id := range ids(src.Tools) {
		q := term(fieldTool, id)
		q.(*query.TermQuery).SetBoost(4)
		should = append(should, q)
	}
	if len(should) == 0 || first == 0 {
		return []Hit{}, nil
	}
	q := query.NewBooleanQuery(
		[]query.Query{term(fieldType, typeNames["BestPractice"]), term(fieldStatus, string(db.BestPracticeStatusPublished))},
		should,
		[]query.Query{query.NewDocIDQuery([]string{docID(src.Entity, src.ID)})})
	q.SetMinShould(1)
	var res *bleve.SearchResult
	err := x.reading(func(idx bleve.Index) error {
		var err error
		res, err = searchPage(ctx, idx, q, 0, first)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Hits = res.Hits[:min(len(res.Hits), first)]
	out := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		entity, id, err := parseDocID(h.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Hit{Entity: entity, ID: id, Score: h.Score})
	}
	return out, nil
}

func isLanguageCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}
