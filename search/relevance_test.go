package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db"
)

// The judged query set: testdata/relevance.json, queries over the demo data in several languages, each
// with the items a careful reader would find relevant, graded 1 to 3.
type judgedQuery struct {
	ID       string
	Query    string
	Language string
	Types    []string
	Filter   struct {
		Theme, Country, Language, Programme, Status []string
		Year                                        *struct{ From, To *int32 }
	}
	Relevant map[string]int
	Kind     string
}

// Floors, set a little below what the index measured when they were written (docs/benchmarks.md has
// the figures, with PostgreSQL's on the same queries): a change that makes search worse fails here. They
// are floors on the team's own judged set; the product's owners measure on queries the team has not
// seen.
const (
	minNDCG = 0.83
	minMRR  = 0.89
	// minCrossRecall is the floor of recall@10 on the queries whose answers exist only in other
	// languages than the query's.
	minCrossRecall = 0.86
	margin         = 0.03
)

// floors are the per-category floors of nDCG@10: each category's figure when they were set, less the
// margin.
var floors = map[string]float64{
	"compound": 0.952, "crosslang-only": 0.883, "crosslingual": 0.921, "field": 0.974, "filter": 1.000,
	"linked-member": 0.951, "linked-tool": 0.859, "operators": 0.970, "own-words": 0.577, "phrase": 0.812,
	"place-inflected": 0.947, "plain": 0.926, "prefix": 0.846, "typo": 0.868,
}

// scores sums one system's figures by category.
type scores struct {
	n                 int
	ndcg, mrr, recall float64
}

func (s *scores) add(ranked []string, grades map[string]int) float64 {
	n := ndcgAt10(ranked, grades)
	s.n++
	s.ndcg += n
	s.mrr += reciprocalRank(ranked, grades)
	s.recall += recallAt10(ranked, grades)
	return n
}

func (s *scores) String() string {
	if s == nil || s.n == 0 {
		return "| – | – | – |"
	}
	n := float64(s.n)
	return fmt.Sprintf("| %.3f | %.3f | %.3f |", s.ndcg/n, s.mrr/n, s.recall/n)
}

func TestRelevance(t *testing.T) {
	x, d := openDemo(t)
	ctx := context.Background()
	b, err := os.ReadFile("testdata/relevance.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Queries []judgedQuery }
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	if err := preparePostgresFTS(ctx, d); err != nil {
		t.Fatal(err)
	}
	keys := demoKeys(t, d)
	langs := map[string]bool{}
	hub, pg := map[string]*scores{"all": {}}, map[string]*scores{"all": {}}
	type miss struct {
		id   string
		ndcg float64
		top  []string
	}
	var worst []miss
	for _, q := range set.Queries {
		first := 10
		r := Request{Query: q.Query, Types: q.Types, Language: q.Language, First: &first, Today: d.Today()}
		r.Filter = Filter{Theme: q.Filter.Theme, Country: q.Filter.Country, Language: q.Filter.Language,
			Programme: q.Filter.Programme, Status: q.Filter.Status}
		if q.Filter.Year != nil {
			r.Filter.Year = &db.IntRange{From: q.Filter.Year.From, To: q.Filter.Year.To}
		}
		res, err := x.Search(ctx, r)
		if err != nil {
			t.Errorf("%s: %v", q.ID, err)
			continue
		}
		var ranked []string
		for _, h := range res.Hits {
			ranked = append(ranked, keys[docID(h.Entity, h.ID)])
		}
		pgRanked, err := postgresRanked(ctx, d, q)
		if err != nil {
			t.Errorf("%s in PostgreSQL: %v", q.ID, err)
			continue
		}
		if hub[q.Kind] == nil {
			hub[q.Kind], pg[q.Kind] = &scores{}, &scores{}
		}
		n := hub["all"].add(ranked, q.Relevant)
		hub[q.Kind].add(ranked, q.Relevant)
		pg["all"].add(pgRanked, q.Relevant)
		pg[q.Kind].add(pgRanked, q.Relevant)
		langs[q.Language] = true
		worst = append(worst, miss{q.ID, n, ranked[:min(3, len(ranked))]})
	}
	kinds := make([]string, 0, len(hub))
	for k := range hub {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	t.Logf("%d queries in %d languages; nDCG@10, MRR, recall@10 of the hub, then of PostgreSQL:", len(set.Queries), len(langs))
	t.Logf("| category | queries | hub nDCG@10 | MRR | recall@10 | PostgreSQL nDCG@10 | MRR | recall@10 |")
	for _, k := range kinds {
		t.Logf("| %s | %d %s %s", k, hub[k].n, hub[k].String()[:len(hub[k].String())-1], pg[k].String())
	}
	sort.Slice(worst, func(i, j int) bool { return worst[i].ndcg < worst[j].ndcg })
	for _, w := range worst[:5] {
		t.Logf("  weakest: %-36s nDCG@10 %.3f, top: %v", w.id, w.ndcg, w.top)
	}
	if len(set.Queries) < 200 || len(langs) < 15 {
		t.Errorf("the judged set has %d queries in %d languages; it needs at least 200 in 15", len(set.Queries), len(langs))
	}
	all := hub["all"]
	if ndcg, mrr := all.ndcg/float64(all.n), all.mrr/float64(all.n); ndcg < minNDCG || mrr < minMRR {
		t.Errorf("nDCG@10 %.3f (at least %.2f), MRR %.3f (at least %.2f)", ndcg, minNDCG, mrr, minMRR)
	}
	if c := hub["crosslang-only"]; c != nil && c.recall/float64(c.n) < minCrossRecall {
		t.Errorf("recall@10 of the queries answered only in other languages: %.3f (at least %.2f)", c.recall/float64(c.n), minCrossRecall)
	}
	for k, floor := range floors {
		if s := hub[k]; s == nil || s.ndcg/float64(s.n) < floor-margin {
			t.Errorf("%s: nDCG@10 %s below its floor %.2f", k, s, floor-margin)
		}
	}
}

// ndcgAt10 is the normalised discounted cumulative gain of the first ten results, with gains 2^grade-1.
func ndcgAt10(ranked []string, grades map[string]int) float64 {
	dcg := 0.0
	for i, k := range ranked[:min(10, len(ranked))] {
		dcg += (math.Pow(2, float64(grades[k])) - 1) / math.Log2(float64(i+2))
	}
	ideal := make([]int, 0, len(grades))
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	idcg := 0.0
	for i, g := range ideal[:min(10, len(ideal))] {
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// recallAt10 is the share of the relevant items (any grade) among the first ten results.
func recallAt10(ranked []string, grades map[string]int) float64 {
	if len(grades) == 0 {
		return 0
	}
	found := 0
	for _, k := range ranked[:min(10, len(ranked))] {
		if grades[k] > 0 {
			found++
		}
	}
	return float64(found) / float64(min(10, len(grades)))
}

// reciprocalRank is 1/rank of the first clearly relevant result (grade 2 or more), 0 if none is in the
// ten.
func reciprocalRank(ranked []string, grades map[string]int) float64 {
	for i, k := range ranked[:min(10, len(ranked))] {
		if grades[k] >= 2 {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// demoKeys maps document ids to the judged set's keys: Type:slug, or Type:identifier for calls.
func demoKeys(t *testing.T, d *db.DB) map[string]string {
	out := map[string]string{}
	for entity, sql := range map[string]string{
		"BestPractice": "select id, slug from best_practice", "DigitalTool": "select id, slug from digital_tool",
		"Member": "select id, slug from member", "FundingOpportunity": "select id, topic_id from funding_opportunity",
	} {
		rows, _ := d.Pool.Query(context.Background(), sql)
		type row struct {
			ID  int64
			Key string
		}
		rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			out[docID(entity, r.ID)] = entity + ":" + r.Key
		}
	}
	return out
}
