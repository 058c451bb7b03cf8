package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/seed"
	"github.com/smartcommunities/hub/hubtest"
)

func TestHTTPSurface(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	if code, body := hubtest.Get(t, h.Server.URL+"/graphql?query="+url.QueryEscape(`{ themes { code dataTheme } }`)); code != 200 || !strings.Contains(body, `"code":"mobility","dataTheme":"TRAN"`) {
		t.Errorf("GET /graphql: %d %s", code, body)
	}
	if code, body := hubtest.Get(t, h.Server.URL+"/"); code != 200 || !strings.Contains(body, "GraphiQL") {
		t.Errorf("GraphiQL at /: %d", code)
	}
	if code, _ := hubtest.Get(t, h.Server.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, _ := hubtest.Get(t, h.Server.URL+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d", code)
	}
	if code, body := hubtest.Get(t, h.Server.URL+"/metrics"); code != 200 || !strings.Contains(body, "hub_graphql_sql_statements") ||
		!strings.Contains(body, "hub_search_rebuild_duration_seconds_count") {
		t.Errorf("/metrics: %d", code)
	}
	resp, err := http.Post(h.Server.URL+"/graphql", "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: status %d, want 400", resp.StatusCode)
	}
}

// A failure inside the hub reaches the caller as a coded error with a request id, never as SQL text.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	h.DB().Pool.Close()
	r := h.Post(`{ members { totalCount nodes { name } } }`, nil)
	if r.Status >= 500 || len(r.Errors) == 0 {
		t.Fatalf("status %d, errors %v", r.Status, r.Errors)
	}
	e := r.Errors[0]
	if e.Message != "internal error" || e.Extensions["code"] != "INTERNAL_SERVER_ERROR" || e.Extensions["requestId"] == "" {
		t.Errorf("error = %+v", e)
	}
	if code, _ := hubtest.Get(t, h.Server.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database gone: %d", code)
	}
}

func TestSeeding(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, true).Admin() // counts every practice, drafts too
	ctx := context.Background()
	before := h.Snapshot()
	if err := seed.Demo(ctx, h.DB()); err != nil {
		t.Fatalf("loading the demo data again: %v", err)
	}
	if h.Snapshot() != before {
		t.Error("loading the demo data twice changed the data")
	}
	if err := seed.Synthetic(ctx, h.DB(), 2000); err != nil {
		t.Fatal(err)
	}
	var data struct {
		BestPractices struct{ TotalCount int }
		Members       struct{ TotalCount int }
		DigitalTools  struct{ TotalCount int }
	}
	h.Query(`{ bestPractices { totalCount } members { totalCount } digitalTools { totalCount } }`, nil, &data)
	if data.BestPractices.TotalCount != 2060 || data.Members.TotalCount != 25+50 || data.DigitalTools.TotalCount != 26+10 {
		t.Errorf("after 2000 synthetic practices: %+v", data)
	}
	languages := 0
	for _, l := range []string{"en", "de", "fr", "es", "it", "nl", "pl", "sv", "fi", "hr"} {
		var n struct{ BestPractices struct{ TotalCount int } }
		h.Query(`query($l: String!) { bestPractices(filter: {language: [$l], author: null}) { totalCount } }`, map[string]any{"l": l}, &n)
		if n.BestPractices.TotalCount > 0 {
			languages++
		}
	}
	if languages < 8 {
		t.Errorf("synthetic practices in %d languages", languages)
	}
	// The nested query still costs the same few statements on the larger data.
	n, r := h.CountStatements(hubtest.MembersNested)
	if len(r.Errors) > 0 || n > 6 {
		t.Errorf("nested query on synthetic data: %d statements, errors %v", n, r.Errors)
	}
}

// Demo loading runs in one transaction: a failure half-way leaves nothing behind.
func TestInTxIsAllOrNothing(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	ctx := context.Background()
	failure := errors.New("stop half-way")
	err := h.DB().InTx(ctx, func(d *db.DB) error {
		slug := "half-way"
		if _, errs, err := d.CreateMember(ctx, &db.CreateMemberInput{Name: "Half Way", Slug: &slug, Kind: db.MemberKindOther, Country: "MT"}); err != nil || len(errs) > 0 {
			t.Fatalf("create: %v %v", err, errs)
		}
		if m, _ := d.MemberBySlug(ctx, slug); m == nil {
			t.Fatal("the transaction does not see its own write")
		}
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("InTx returned %v", err)
	}
	if m, _ := h.DB().MemberBySlug(ctx, "half-way"); m != nil {
		t.Error("a write of a failed transaction stayed")
	}
}

// The endpoint follows the GraphQL-over-HTTP specification where it says what status a request gets.
func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	post := func(contentType, accept, body string) exchange {
		t.Helper()
		return do(t, h, "POST", "/graphql", contentType, accept, body)
	}
	// A mutation over GET: 405 with Allow: POST.
	resp, err := http.Get(h.Server.URL + "/graphql?query=" + url.QueryEscape(`mutation { deleteMember(input: {id: "x"}) { deletedId } }`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("mutation over GET: %d, Allow %q; want 405, POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	for _, c := range []struct {
		name, method, contentType, body string
		want                            int
	}{
		{"text/plain body", "POST", "text/plain", `{"query":"{ themes { code } }"}`, http.StatusUnsupportedMediaType},
		{"no content type", "POST", "", `{"query":"{ themes { code } }"}`, http.StatusUnsupportedMediaType},
		{"2 MiB body", "POST", "application/json", `{"query":"{ themes { code } }", "variables": {"x": "` + strings.Repeat("a", 2<<20) + `"}}`, http.StatusRequestEntityTooLarge},
		{"PUT", "PUT", "application/json", `{"query":"{ themes { code } }"}`, http.StatusMethodNotAllowed},
	} {
		if x := do(t, h, c.method, "/graphql", c.contentType, "", c.body); x.status != c.want || !strings.Contains(x.body, `"errors"`) {
			t.Errorf("%s: %d %.100s; want %d with errors", c.name, x.status, x.body, c.want)
		}
	}
	// The response media type follows Accept; with application/graphql-response+json a request that
	// fails validation is a 400, with application/json a 200.
	bad := `{"query":"{ themes { nosuchfield } }"}`
	for accept, want := range map[string]int{"application/graphql-response+json": 400, "application/json": 200} {
		x := post("application/json", accept, bad)
		if x.status != want || x.header.Get("Content-Type") != accept {
			t.Errorf("Accept %s: %d %s; want %d with that type", accept, x.status, x.header.Get("Content-Type"), want)
		}
	}
	// Automatic persisted queries: the hash alone is refused until the query has been sent once.
	q := "{ themes { code } }"
	sum := sha256.Sum256([]byte(q))
	ext := fmt.Sprintf(`"extensions":{"persistedQuery":{"version":1,"sha256Hash":"%x"}}`, sum)
	if x := post("application/json", "", "{"+ext+"}"); !strings.Contains(x.body, "PersistedQueryNotFound") {
		t.Errorf("unknown persisted query: %.200s", x.body)
	}
	post("application/json", "", `{"query":"`+q+`",`+ext+"}")
	if x := post("application/json", "", "{"+ext+"}"); !strings.Contains(x.body, `"code":"mobility"`) {
		t.Errorf("persisted query by hash: %.200s", x.body)
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	on := hubtest.Shared(t).Post(`{ __schema { queryType { name } } }`, nil)
	if len(on.Errors) > 0 {
		t.Errorf("introspection on: %v", on.Errors)
	}
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.Introspection = false })
	if off := h.Post(`{ __schema { queryType { name } } }`, nil); off.Status >= 500 ||
		!slices.Equal(hubtest.ErrorCodes(off.Errors), []string{"INTROSPECTION_DISABLED"}) {
		t.Errorf("introspection off: %d %s", off.Status, off.Data)
	}
}

// Operations are bounded in depth and in cost, a page costing by its size; the cost is reported.
func TestDepthAndCostLimits(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	r := h.Post(`{ members(first: 3) { nodes { name } } }`, nil)
	var ext struct {
		Extensions struct{ Cost int }
	}
	body, _ := json.Marshal(map[string]any{"query": `{ members(first: 3) { nodes { name } } }`})
	resp, err := http.Post(h.Server.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&ext)
	resp.Body.Close()
	// members: 1 + 3 × (nodes: 1 + name: 1)
	if len(r.Errors) > 0 || ext.Extensions.Cost != 7 {
		t.Errorf("cost %d (errors %v), want 7", ext.Extensions.Cost, r.Errors)
	}
	// The README's first query stays well within the limit.
	if r := h.Post(`{ members(first: 50) { totalCount edges { node { id name country { code } bestPractices(first: 5) { totalCount nodes { title tools { name } } } } } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("the README query: %v", r.Errors)
	}
	deep := "{ themes { bestPractices { nodes { themes { bestPractices { nodes { themes { bestPractices { nodes { themes { bestPractices { nodes { title } } } } } } } } } } } } }"
	costly := `{ members(first: 100) { nodes { bestPractices(first: 100) { nodes { authors { bestPractices(first: 100) { nodes { title } } } } } } } }`
	nested := strings.Repeat("{ a ", 1000) + strings.Repeat("}", 1000)
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 10_000 {
		fmt.Fprintf(&aliases, " a%d: themes { code }", i)
	}
	aliases.WriteString(" }")
	for name, c := range map[string]struct{ query, code string }{
		"10,000 aliases": {aliases.String(), "QUERY_TOO_LARGE"},
		"13 levels":      {deep, "QUERY_TOO_DEEP"},
		"100×100×100":    {costly, "COMPLEXITY_LIMIT_EXCEEDED"},
		"1000 levels":    {nested, ""},
	} {
		r := h.Post(c.query, nil)
		codes := hubtest.ErrorCodes(r.Errors)
		if r.Status >= 500 || len(codes) == 0 || c.code != "" && codes[0] != c.code {
			t.Errorf("%s: status %d, codes %v; want %s", name, r.Status, codes, c.code)
		}
	}
}

// One address over its rate gets 429 with Retry-After; a request over its time gets TIMEOUT, and the
// SQL it started is cancelled with it.
func TestRateLimitAndTimeout(t *testing.T) {
	t.Parallel()
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.RateLimit = 2 })
	limited := 0
	for range 12 {
		body := strings.NewReader(`{"query":"{ themes { code } }"}`)
		resp, err := http.Post(h.Server.URL+"/graphql", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
			if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); ra < 1 {
				t.Errorf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
		}
	}
	if limited == 0 || limited > 12-5 {
		t.Errorf("%d of 12 quick requests limited at 2/s in bursts of 5", limited)
	}

	slow := hubtest.StartWith(t, true, func(c *config.Config) { c.RequestTimeout = time.Nanosecond })
	r := slow.Post(`{ members(first: 5) { nodes { name } } }`, nil)
	if codes := hubtest.ErrorCodes(r.Errors); r.Status >= 500 || len(codes) == 0 || codes[0] != "TIMEOUT" || r.Errors[0].Extensions["requestId"] == nil {
		t.Errorf("a request over its time: status %d, codes %v, data %.200s", r.Status, codes, r.Data)
	}
}

// A CORS preflight from an allowed origin succeeds; from another origin it is refused.
func TestCORSAllowList(t *testing.T) {
	t.Parallel()
	allowed := "https://dashboard.example.org"
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.CORSOrigins = []string{allowed, "*"} }) // a wildcard in the list is ignored
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, h.Server.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type") // as browsers send it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := preflight(allowed); resp.StatusCode >= 300 || resp.Header.Get("Access-Control-Allow-Origin") != allowed ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("https://evil.example.com"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin was allowed: %v", resp.Header)
	}
	// Without a list, any origin may read, never with credentials.
	open := hubtest.Shared(t)
	req, _ := http.NewRequest(http.MethodOptions, open.Server.URL+"/graphql", nil)
	req.Header.Set("Origin", "https://anywhere.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("no list: %v", resp.Header)
	}
}
