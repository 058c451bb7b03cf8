package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest"
)

// BenchmarkMembersNested is the README's first query (members with their practices and tools) over HTTP
// on loopback, against the demo data.
// With the response cache off, every request does the work; with it on, the same query is answered
// from memory after the first.
func BenchmarkMembersNested(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int64
	}{{"cache=off", 0}, {"cache=on", 64 << 20}} {
		b.Run(c.name, func(b *testing.B) {
			h := hubtest.StartWith(b, true, func(cfg *config.Config) { cfg.ResponseCacheBytes = c.bytes })
			h.WaitSearch() // the index builds in the background: its allocations are not the query's
			body, _ := json.Marshal(map[string]any{"query": hubtest.MembersNested})
			b.ReportAllocs()
			for b.Loop() {
				benchPost(b, h, body, "")
			}
		})
	}
}

// BenchmarkMembersNestedParallel is the same query from concurrent clients (GOMAXPROCS goroutines).
func BenchmarkMembersNestedParallel(b *testing.B) {
	h := hubtest.New(b, true)
	body, _ := json.Marshal(map[string]any{"query": hubtest.MembersNested})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.Post(h.Server.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			var r hubtest.Response
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
		}
	})
}

// BenchmarkPracticesWide asks 100 practices for five nested lists each: the case where every nested
// field of a large page loads through its batch.
func BenchmarkPracticesWide(b *testing.B) {
	h := hubtest.New(b, true)
	body, _ := json.Marshal(map[string]any{"query": `{ bestPractices(first: 100) { nodes { title
		tools { name themes { code } } themes { code } authors { name bestPractices(first: 3) { totalCount } } mims { code } translations { title } } } }`})
	b.ReportAllocs()
	for b.Loop() {
		benchPost(b, h, body, "")
	}
}

// BenchmarkAuthentication is one small query, anonymous and with an API token (one indexed lookup of
// the token's hash per request), in the same run so that the two compare as a ratio.
func BenchmarkAuthentication(b *testing.B) {
	h := hubtest.New(b, true)
	h.WaitSearch() // the index builds in the background: let it finish before measuring
	body, _ := json.Marshal(map[string]any{"query": `{ members(first: 10) { nodes { name } } }`})
	for _, c := range []struct{ name, token string }{{"anonymous", ""}, {"token", h.NewToken(db.RolePartner, "")}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchPost(b, h, body, c.token)
			}
		})
	}
}

// dashboardOverview is the dashboard's first request (web/dashboard/app.js, overviewQuery), anonymous.
const dashboardOverview = `query DashboardOverview($days: Int!) {
	viewer { role member { name } token { name } }
	members(first: 100, orderBy: {field: NAME}) { totalCount nodes { slug name country { code name } } }
	themes { code name } countries { code name } programmes { code name }
	stats {
		members { total municipalitiesRepresented byCountry { key label count municipalitiesRepresented } byKind { key label count } }
		bestPractices { total byTheme { key label count } byYear { key count } byThemeAndYear { key label buckets { key count } } }
		fundingOpportunities { total totalBudget byStatus { key count totalBudget }
			upcomingDeadlines(days: $days) { date daysLeft final fundingOpportunity { id identifier title status url programme { code name } } } }
		digitalTools { total byLicence { key count } } } }`

// BenchmarkDashboardOverview is the dashboard's first request over HTTP: the demo data, plus
// HUB_BENCH_PRACTICES synthetic practices when set (e.g. 100000).
func BenchmarkDashboardOverview(b *testing.B) {
	h := hubtest.New(b, true)
	if n, _ := strconv.Atoi(os.Getenv("HUB_BENCH_PRACTICES")); n > 0 {
		if err := seed.Synthetic(context.Background(), h.DB(), n); err != nil {
			b.Fatal(err)
		}
		if _, err := h.DB().Pool.Exec(context.Background(), "analyze"); err != nil {
			b.Fatal(err)
		}
	}
	h.WaitSearch()
	body, _ := json.Marshal(map[string]any{"query": dashboardOverview, "variables": map[string]any{"days": 120}})
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		benchPost(b, h, body, "")
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// benchPost sends one GraphQL request body over HTTP, with a bearer token when given, and fails the
// benchmark on any error: a benchmark of failing requests measures nothing.
func benchPost(b testing.TB, h *hubtest.Hub, body []byte, token string) {
	req, _ := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var r hubtest.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
		b.Fatalf("%v %v", err, r.Errors)
	}
}
