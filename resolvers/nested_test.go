package resolvers_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/hubtest"
)

// A nested page costs what it returns: a member's first five practices and their count are read from
// the link table's index and the kept counts, not from all of the member's practices. A member with
// 5,000 practices is served within twice the time of one with 5 (medians of alternated requests, the
// response cache off so that each request does the work).
func TestNestedPageCostsWhatItReturns(t *testing.T) {
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.ResponseCacheBytes = 0 })
	ctx := context.Background()
	// One member with 5,000 practices among a thousand with five, each practice with a body of a page,
	// as real ones have: the statistics then say a member has few practices, and the plan that reads
	// them all and sorts them is the one PostgreSQL would choose without the link's index.
	_, err := h.DB().Pool.Exec(ctx, `
		insert into member (slug, name, country_code, kind) select 'member-' || i, 'Association ' || i, 'BE', 'AGENCY' from generate_series(1, 1001) i;
		insert into best_practice (slug, title, body, language, country_code, year, status)
			select 'practice-' || i, 'Practice ' || md5(i::text), repeat('A page of text. ', 120), 'en', 'BE', 2024,
				case when i % 10 = 0 then 'DRAFT' else 'PUBLISHED' end
			from generate_series(1, 10000) i;
		insert into best_practice_author (practice_id, member_id)
			select bp.id, m.id from best_practice bp join member m
			on m.slug = 'member-' || case when bp.id <= 5000 then 1001 else (bp.id - 5001) / 5 + 1 end;
		analyze`)
	if err != nil {
		t.Fatal(err)
	}
	const q = `query($slug: String!) { member(slug: $slug) { bestPractices(first: 5) { totalCount nodes { title } } } }`
	type answer struct {
		Member struct {
			BestPractices struct {
				TotalCount int
				Nodes      []struct{ Title string }
			}
		}
	}
	served := func(slug string) (time.Duration, answer) {
		var a answer
		start := time.Now()
		h.Query(q, map[string]any{"slug": slug}, &a)
		return time.Since(start), a
	}
	// What a user sees first: the right counts and pages (drafts, every tenth practice, are not counted).
	if _, a := served("member-1001"); a.Member.BestPractices.TotalCount != 4500 || len(a.Member.BestPractices.Nodes) != 5 {
		t.Fatalf("big: %+v, want 4,500 practices and a page of 5", a.Member.BestPractices)
	}
	if _, a := served("member-2"); a.Member.BestPractices.TotalCount != 4 || len(a.Member.BestPractices.Nodes) != 4 {
		t.Fatalf("small: %+v, want 4 practices (and a draft)", a.Member.BestPractices)
	}
	var big, small []time.Duration
	for range 40 {
		d, _ := served("member-1001")
		big = append(big, d)
		d, _ = served("member-2")
		small = append(small, d)
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	mb, ms := median(big), median(small)
	t.Logf("median: 5,000 practices %v, 5 practices %v (%.2f×)", mb, ms, float64(mb)/float64(ms))
	if mb > 2*ms {
		t.Errorf("a member with 5,000 practices takes %v, one with 5 %v: more than twice", mb, ms)
	}
}
