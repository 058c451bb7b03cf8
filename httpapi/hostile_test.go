package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/hubtest"
)

// hostile is a request built to hurt: each must be refused with a 4xx or answered with GraphQL errors,
// except the injections, whose strings must simply match nothing, and those at the limits, which are
// answered (quickly: BenchmarkRejectHostile).
type hostile struct {
	name, contentType, body string
	matchesNothing          bool
	authorization           string
	withinLimits            bool
}

func hostileRequests() []hostile {
	q := func(query string) string {
		b := new(strings.Builder)
		fmt.Fprintf(b, `{"query":%q}`, query)
		return b.String()
	}
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 10_000 {
		fmt.Fprintf(&aliases, " a%d: themes { code }", i)
	}
	aliases.WriteString(" }")
	var stats strings.Builder
	stats.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&stats, " s%d: stats { bestPractices { byThemeAndYear { key } } }", i)
	}
	stats.WriteString(" }")
	// Issue 12's classes: documents whose parsing, validation or pricing cost more than their size.
	repeated := "{" + strings.Repeat(" themes { code }", 200<<10/16) + " }" // 200 KB of one field
	atLimit := "{" + strings.Repeat(" themes { code }", 500) + " }"         // the most fields allowed, all to merge
	var distinct strings.Builder                                            // 10,000 fragments, each its own
	distinct.WriteString("{ themes { ...F0 } }")
	for i := range 10_000 {
		fmt.Fprintf(&distinct, " fragment F%d on Theme { code ...F%d }", i, i+1)
	}
	distinct.WriteString(" fragment F10000 on Theme { name }")
	var lattice strings.Builder // each fragment spreads the next twice: 2^40 expanded, under 1 KB written
	lattice.WriteString("{ themes { ...L0 } }")
	for i := range 40 {
		fmt.Fprintf(&lattice, " fragment L%d on Theme { ...L%d a: code ...L%d }", i, i+1, i+1)
	}
	lattice.WriteString(" fragment L40 on Theme { code }")
	var schemas strings.Builder // as many as the field limit allows
	schemas.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&schemas, " s%d: __schema { types { name fields { name type { name } } } }", i)
	}
	schemas.WriteString(" }")
	ids := strings.TrimSuffix(strings.Repeat(`"TWVtYmVyOjE",`, 60_000), ",") // Member:1, 840 KB of it
	idsQuery := `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { name } } }`
	return []hostile{
		{"200 KB repeating one field", "application/json", q(repeated), false, "", false},
		{"500 repeats of one field, as many fields as allowed", "application/json", q(atLimit), false, "", true},
		{"10,000 distinct fragments", "application/json", q(distinct.String()), false, "", false},
		{"a lattice of 40 fragments, each spreading the next twice", "application/json", q(lattice.String()), false, "", false},
		{"100 aliases of __schema", "application/json", q(schemas.String()), false, "", false},
		{"nodes(ids:) with 60,000 ids", "application/json", fmt.Sprintf(`{"query":%q,"variables":{"ids":[%s]}}`, idsQuery, ids), false, "", false},
		{"a variable of 500,000 numbers, just under the body limit", "application/json",
			`{"query":"query($v: [Int!]) { themes { code } }","variables":{"v":[` + strings.Repeat("1,", 500_000) + `1]}}`, false, "", false},
		{"malformed JSON", "application/json", `{"query": "{ themes { code } }"`, false, "", false},
		{"invalid UTF-8", "application/json", "{\"query\": \"{ themes { c\xff\xfeode } }\"}", false, "", false},
		{"wrong content type", "text/plain", q("{ themes { code } }"), false, "", false},
		{"1,000-level nesting", "application/json", q(strings.Repeat("{ a ", 1000) + strings.Repeat("}", 1000)), false, "", false},
		{"10,000 aliases", "application/json", q(aliases.String()), false, "", false},
		{"fragment cycle", "application/json", q(`{ members { ...A } } fragment A on MemberConnection { ...B } fragment B on MemberConnection { ...A }`), false, "", false},
		{"2 MiB of variables", "application/json", `{"query":"{ themes { code } }","variables":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`, false, "", false},
		{"SQL in a filter", "application/json", q(`{ bestPractices(filter: {theme: ["x'); drop table member; --"]}) { totalCount } }`), true, "", false},
		{"SQL in a search", "application/json", q(`{ search(query: "x' or 1=1; drop table member; --") { totalCount } }`), true, "", false},
		// Values no schema rule catches, but PostgreSQL would refuse: the caller's error, never internal.
		{"a cursor whose year is not a number", "application/json", `{"query":"{ bestPractices(first: 2, after: \"` +
			cursorOf(`{"o":"YEAR","v":"abc","i":1}`) + `\", orderBy: {field: YEAR}) { nodes { slug } } }"}`, false, "", false},
		{"a cursor with a bad date", "application/json", `{"query":"{ fundingOpportunities(first: 2, after: \"` +
			cursorOf(`{"o":"DEADLINE","v":"2026-13-45","i":1}`) + `\", orderBy: {field: DEADLINE}) { nodes { title } } }"}`, false, "", false},
		{"a NUL byte in a filter", "application/json", `{"query":"{ members(filter: {country: [\"A\u0000T\"]}) { totalCount } }"}`, false, "", false},
		{"first: 1000000", "application/json", q(`{ members(first: 1000000) { totalCount } }`), false, "", false},
		{"unknown field", "application/json", q(`{ members { nosuch } }`), false, "", false},
		{"unknown argument", "application/json", q(`{ members(nosuch: 1) { totalCount } }`), false, "", false},
		{"13 levels deep", "application/json", q(`{ themes { bestPractices { nodes { themes { bestPractices { nodes { themes { bestPractices { nodes { themes { bestPractices { nodes { title } } } } } } } } } } } } }`), false, "", false},
		{"10 KB search query", "application/json", q(`{ search(query: "` + strings.Repeat("smart city ", 1000) + `") { totalCount } }`), false, "", false},
		{"100 aliased stats aggregates", "application/json", q(stats.String()), false, "", false},
		{"a forged token", "application/json", q(`{ viewer { role } }`), false, "Bearer hub_" + strings.Repeat("x", 43), false},
		{"an 8 KB token", "application/json", q(`{ viewer { role } }`), false, "Bearer hub_" + strings.Repeat("x", 8<<10), false},
		{"a token with control bytes", "application/json", q(`{ viewer { role } }`), false, "Bearer hub_\x00\x01' or 1=1 --", false},
		{"a JWT with alg none", "application/json", q(`{ viewer { role } }`), false, "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJodWItYWRtaW4iXX0.", false},
	}
}

func cursorOf(js string) string { return base64.RawURLEncoding.EncodeToString([]byte(js)) }

func send(h *hubtest.Hub, r hostile) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(r.body)))
	req.Header.Set("Content-Type", r.contentType)
	if r.authorization != "" {
		req.Header.Set("Authorization", r.authorization)
	}
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, req)
	return rec
}

func TestHostileRequests(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	h.WaitSearch()
	for _, r := range hostileRequests() {
		rec := send(h, r)
		body := rec.Body.String()
		switch {
		case rec.Code >= 500 || strings.Contains(body, "INTERNAL_SERVER_ERROR"):
			t.Errorf("%s: %d %.200s", r.name, rec.Code, body)
		case r.matchesNothing && !strings.Contains(body, `"totalCount":0`):
			t.Errorf("%s: %d %.200s; want nothing matched", r.name, rec.Code, body)
		case r.withinLimits && (rec.Code != 200 || strings.Contains(body, `"errors"`)):
			t.Errorf("%s: refused: %d %.200s", r.name, rec.Code, body)
		case !r.matchesNothing && !r.withinLimits && rec.Code < 400 && !strings.Contains(body, `"errors"`):
			t.Errorf("%s: accepted: %d %.200s", r.name, rec.Code, body)
		}
	}
	var n struct{ Members struct{ TotalCount int } }
	h.Query(`{ members { totalCount } }`, nil, &n)
	if n.Members.TotalCount != 25 {
		t.Errorf("after the hostile requests %d members, want 25", n.Members.TotalCount)
	}
}

// BenchmarkRejectHostile measures how long the hub takes to refuse each hostile request, in process,
// and, in a pass of its own (reading the allocator's figures stops the world), how much one request
// allocates at most: an upper bound of what it can grow the hub by. The peak is the process's resident
// high-water mark after the table.
func BenchmarkRejectHostile(b *testing.B) {
	h := hubtest.New(b, true)
	h.WaitSearch()
	reqs := hostileRequests()
	var took []time.Duration
	each := make([][]time.Duration, len(reqs))
	for b.Loop() {
		for i, r := range reqs {
			start := time.Now()
			send(h, r)
			d := time.Since(start)
			took = append(took, d)
			each[i] = append(each[i], d)
		}
	}
	b.StopTimer()
	var before, after runtime.MemStats
	var most uint64
	worst := ""
	for _, r := range reqs {
		runtime.ReadMemStats(&before)
		send(h, r)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > most {
			most, worst = n, r.name
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(most)/(1<<20), "max-alloc-MB/req")
	b.ReportMetric(peakRSS()/(1<<20), "peak-RSS-MB")
	for i, r := range reqs {
		slices.Sort(each[i])
		b.Logf("%-60s median %8.3f ms, slowest %8.3f ms", r.name, ms(each[i][len(each[i])/2]), ms(each[i][len(each[i])-1]))
	}
	b.Logf("the most allocated by one request: %s, %.1f MB", worst, float64(most)/(1<<20))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS is the process's resident high-water mark (VmHWM), in bytes; 0 where /proc has none.
func peakRSS() float64 {
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")))
			return float64(n) * 1024
		}
	}
	return 0
}

// Each hostile request is answered under 1 s with coded errors; TestHostileRequests checks the rest.
func TestHostileRequestsAreCheap(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	for _, r := range hostileRequests() {
		start := time.Now()
		rec := send(h, r)
		took := time.Since(start)
		var resp hubtest.Response
		json.Unmarshal(rec.Body.Bytes(), &resp)
		if took > time.Second {
			t.Errorf("%s: answered in %v", r.name, took)
		}
		for _, e := range resp.Errors {
			if e.Extensions["code"] == nil || e.Extensions["requestId"] == nil {
				t.Errorf("%s: an error without a code or request id: %+v", r.name, e)
			}
		}
		t.Logf("%s: %d in %v, codes %v", r.name, rec.Code, took, hubtest.ErrorCodes(resp.Errors))
	}
}
