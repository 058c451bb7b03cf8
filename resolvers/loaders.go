package resolvers

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/smartcommunities/hub/db"
)

// Loaders batch the nested fields of one request: each asks for its parent's data by key, and one SQL
// statement answers all keys that arrive within the wait. So a query costs a statement per level and
// field, however many items its pages hold. They are made per request, so nothing is cached across
// requests.
type Loaders struct {
	members   *dataloadgen.Loader[int64, *db.Member]
	practices *dataloadgen.Loader[int64, *db.BestPractice]
	tools     *dataloadgen.Loader[int64, *db.DigitalTool]
	funding   *dataloadgen.Loader[int64, *db.FundingOpportunity]

	memberOtherCountries *dataloadgen.Loader[int64, []string]
	memberContactPoints  *dataloadgen.Loader[int64, []*db.ContactPoint]
	practiceTranslations *dataloadgen.Loader[int64, []*db.Translation]
	practiceThemes       *dataloadgen.Loader[int64, []string]
	practiceMims         *dataloadgen.Loader[int64, []int32]
	practiceTools        *dataloadgen.Loader[int64, []*db.DigitalTool]
	practiceFunding      *dataloadgen.Loader[int64, []*db.FundingOpportunity]
	practiceAuthors      *dataloadgen.Loader[int64, []*db.Member]
	fundingCountries     *dataloadgen.Loader[int64, []string]
	fundingThemes        *dataloadgen.Loader[int64, []string]
	toolThemes           *dataloadgen.Loader[int64, []string]
	toolMims             *dataloadgen.Loader[int64, []int32]
	toolCountries        *dataloadgen.Loader[int64, []string]
	toolTranslations     *dataloadgen.Loader[int64, []*db.DigitalToolTranslation]
	practiceSources      *dataloadgen.Loader[int64, *db.SearchSource]
	recommendedFunding   *dataloadgen.Loader[firstKey, []*db.FundingRecommendation]
	similarTools         *dataloadgen.Loader[firstKey, []*db.DigitalTool]

	practicePages *connLoader[db.BestPractice, db.BestPracticeFilter, db.BestPracticeOrder]
	memberPages   *connLoader[db.Member, db.MemberFilter, db.MemberOrder]
	toolPages     *connLoader[db.DigitalTool, db.DigitalToolFilter, db.DigitalToolOrder]
	fundingPages  *connLoader[db.FundingOpportunity, db.FundingOpportunityFilter, db.FundingOpportunityOrder]

	// primed remembers which batches each loader has already been asked for, so that only the first
	// row of a batch asks for all of it and the others ask for themselves alone.
	primed sync.Map // primeKey -> struct{}
}

type primeKey struct {
	loader any
	batch  *db.Batch
	args   string
}

// firstAsk tells whether this is the first time loader is asked for batch (with args).
func firstAsk(ctx context.Context, loader any, batch *db.Batch, args string) bool {
	if len(batch.IDs()) < 2 {
		return false
	}
	_, asked := loaders(ctx).primed.LoadOrStore(primeKey{loader, batch, args}, struct{}{})
	return !asked
}

// LoaderWait is how long a loader gathers keys before it runs its statement. The rows of one statement
// ask for their whole batch at once (see db.Batch), so a wait would only merge batches that happen to
// arrive together, and every level of a query would pay it: none is the faster (the README's members
// query 0.75× the time of a 500 µs wait, docs/benchmarks.md), with the same statements.
var LoaderWait = time.Duration(0)

// NewLoaders makes the loaders of one request.
func NewLoaders(d *db.DB) *Loaders {
	return &Loaders{
		members:   byID(d.MembersByID),
		practices: byID(d.BestPracticesByID),
		tools:     byID(d.DigitalToolsByID),
		funding:   byID(d.FundingOpportunitiesByID),

		memberOtherCountries: grouped(d.MemberOtherCountries),
		memberContactPoints:  grouped(d.MemberContactPoints),
		practiceTranslations: grouped(d.PracticeTranslations),
		practiceThemes:       grouped(d.PracticeThemes),
		practiceMims:         grouped(d.PracticeMims),
		practiceTools:        grouped(d.PracticeTools),
		practiceFunding:      grouped(d.PracticeFunding),
		practiceAuthors:      grouped(d.PracticeAuthors),
		fundingCountries:     grouped(d.FundingCountries),
		fundingThemes:        grouped(d.FundingThemes),
		toolThemes:           grouped(d.ToolThemes),
		toolMims:             grouped(d.ToolMims),
		toolCountries:        grouped(d.ToolCountries),
		toolTranslations:     grouped(d.ToolTranslations),
		practiceSources:      byID(d.PracticeSearchSources),
		recommendedFunding:   byFirst(d.RecommendedFunding),
		similarTools:         byFirst(d.SimilarTools),

		practicePages: newConnLoader(d.BestPracticePages, d.BestPracticeCounts),
		memberPages:   newConnLoader(d.MemberPages, d.MemberCounts),
		toolPages:     newConnLoader(d.DigitalToolPages, d.DigitalToolCounts),
		fundingPages:  newConnLoader(d.FundingOpportunityPages, d.FundingOpportunityCounts),
	}
}

type loadersKey struct{}

// WithLoaders attaches a request's loaders to its context.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

func loaders(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

func byID[T any](fetch func(context.Context, []int64) ([]*T, error)) *dataloadgen.Loader[int64, *T] {
	return dataloadgen.NewLoader(func(ctx context.Context, ids []int64) ([]*T, []error) {
		items, err := fetch(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		return items, nil
	}, dataloadgen.WithWait(LoaderWait))
}

func grouped[V any](fetch func(context.Context, []int64) (map[int64][]V, error)) *dataloadgen.Loader[int64, []V] {
	return dataloadgen.NewLoader(func(ctx context.Context, ids []int64) ([][]V, []error) {
		byParent, err := fetch(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		out := make([][]V, len(ids))
		for i, id := range ids {
			out[i] = byParent[id]
		}
		return out, nil
	}, dataloadgen.WithWait(LoaderWait))
}

// pageKey names one page of a relation for one parent. Args is the JSON of the page arguments, filter and
// order, so that keys with the same arguments share a statement and the key stays comparable.
type pageKey struct {
	relation, parent, args string
}

type relationArgs[F, O any] struct {
	Page   db.PageArgs `json:"p"`
	Filter *F          `json:"f,omitempty"`
	Order  *O          `json:"o,omitempty"`
}

// connLoader batches the pages and total counts of a relation's connections.
type connLoader[T, F, O any] struct {
	pages  *dataloadgen.Loader[pageKey, *db.Page[*T]]
	counts *dataloadgen.Loader[pageKey, int]
}

func newConnLoader[T, F, O any](
	pages func(ctx context.Context, relation string, parents []string, page db.PageArgs, f *F, o *O) (map[string]*db.Page[*T], error),
	counts func(ctx context.Context, relation string, parents []string, f *F) (map[string]int, error),
) *connLoader[T, F, O] {
	return &connLoader[T, F, O]{
		pages: dataloadgen.NewLoader(func(ctx context.Context, keys []pageKey) ([]*db.Page[*T], []error) {
			return fetchByGroup(ctx, keys, func(ctx context.Context, relation, args string, parents []string) (map[string]*db.Page[*T], error) {
				var a relationArgs[F, O]
				if err := json.Unmarshal([]byte(args), &a); err != nil {
					return nil, err
				}
				return pages(ctx, relation, parents, a.Page, a.Filter, a.Order)
			})
		}, dataloadgen.WithWait(LoaderWait)),
		counts: dataloadgen.NewLoader(func(ctx context.Context, keys []pageKey) ([]int, []error) {
			return fetchByGroup(ctx, keys, func(ctx context.Context, relation, args string, parents []string) (map[string]int, error) {
				var a relationArgs[F, O]
				if err := json.Unmarshal([]byte(args), &a); err != nil {
					return nil, err
				}
				return counts(ctx, relation, parents, a.Filter)
			})
		}, dataloadgen.WithWait(LoaderWait)),
	}
}

// fetchByGroup runs one fetch per distinct (relation, arguments) among the keys.
func fetchByGroup[V any](ctx context.Context, keys []pageKey, fetch func(ctx context.Context, relation, args string, parents []string) (map[string]V, error)) ([]V, []error) {
	type group struct{ relation, args string }
	parents := map[group][]string{}
	var order []group
	for _, k := range keys {
		g := group{k.relation, k.args}
		if _, seen := parents[g]; !seen {
			order = append(order, g)
		}
		parents[g] = append(parents[g], k.parent)
	}
	results := map[group]map[string]V{}
	errs := map[group]error{}
	for _, g := range order {
		results[g], errs[g] = fetch(ctx, g.relation, g.args, parents[g])
	}
	out := make([]V, len(keys))
	outErrs := make([]error, len(keys))
	failed := false
	for i, k := range keys {
		g := group{k.relation, k.args}
		out[i], outErrs[i] = results[g][k.parent], errs[g]
		failed = failed || outErrs[i] != nil
	}
	if !failed {
		outErrs = nil
	}
	return out, outErrs
}

// load returns the page of one parent; its total count, when asked for, is batched the same way. The
// pages of the parent's whole batch (see db.Batch) are asked for together.
func (c *connLoader[T, F, O]) load(ctx context.Context, relation, parent string, batch *db.Batch, page db.PageArgs, f *F, o *O) (*db.Page[*T], error) {
	args, err := json.Marshal(relationArgs[F, O]{Page: page, Filter: f, Order: o})
	if err != nil {
		return nil, err
	}
	if firstAsk(ctx, c.pages, batch, relation+string(args)) {
		c.pages.LoadAllThunk(ctx, batchKeys(relation, string(args), batch))
	}
	p, err := c.pages.Load(ctx, pageKey{relation, parent, string(args)})
	if err != nil {
		return nil, err
	}
	return p.WithCount(func(ctx context.Context) (int, error) {
		countArgs, err := json.Marshal(relationArgs[F, O]{Filter: f})
		if err != nil {
			return 0, err
		}
		if firstAsk(ctx, c.counts, batch, relation+string(countArgs)) {
			c.counts.LoadAllThunk(ctx, batchKeys(relation, string(countArgs), batch))
		}
		return c.counts.Load(ctx, pageKey{relation, parent, string(countArgs)})
	}), nil
}

func batchKeys(relation, args string, batch *db.Batch) []pageKey {
	keys := make([]pageKey, len(batch.IDs()))
	for i, id := range batch.IDs() {
		keys[i] = pageKey{relation, idKey(id), args}
	}
	return keys
}

// load loads id's value; the first row of a batch (see db.Batch) asks for the whole batch.
func load[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id int64, batch *db.Batch) (V, error) {
	if firstAsk(ctx, l, batch, "") {
		l.LoadAllThunk(ctx, batch.IDs())
	}
	return l.Load(ctx, id)
}

func idKey(id int64) string { return strconv.FormatInt(id, 10) }

// firstKey is a parent and the `first` its field asks for: the top items of a ranking per parent.
type firstKey struct {
	id    int64
	first int
}

// byFirst batches a ranking per parent: one statement per distinct `first` among the keys.
func byFirst[V any](fetch func(context.Context, []int64, int) (map[int64][]V, error)) *dataloadgen.Loader[firstKey, []V] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []firstKey) ([][]V, []error) {
		parents := map[int][]int64{}
		for _, k := range keys {
			parents[k.first] = append(parents[k.first], k.id)
		}
		found := map[firstKey][]V{}
		for first, ids := range parents {
			byParent, err := fetch(ctx, ids, first)
			if err != nil {
				return nil, []error{err}
			}
			for _, id := range ids {
				found[firstKey{id, first}] = byParent[id]
			}
		}
		out := make([][]V, len(keys))
		for i, k := range keys {
			out[i] = found[k]
			if out[i] == nil {
				out[i] = []V{}
			}
		}
		return out, nil
	}, dataloadgen.WithWait(LoaderWait))
}

// loadFirst loads id's top first items; the first row of a batch asks for the whole batch.
func loadFirst[V any](ctx context.Context, l *dataloadgen.Loader[firstKey, []V], id int64, first int, batch *db.Batch) ([]V, error) {
	if firstAsk(ctx, l, batch, strconv.Itoa(first)) {
		keys := make([]firstKey, len(batch.IDs()))
		for i, b := range batch.IDs() {
			keys[i] = firstKey{b, first}
		}
		l.LoadAllThunk(ctx, keys)
	}
	return l.Load(ctx, firstKey{id, first})
}
