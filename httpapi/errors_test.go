package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest"
)

// exchange is one request to the hub and what came back.
type exchange struct {
	status int
	header http.Header
	body   string
	raw    map[string]json.RawMessage
	errors []hubtest.Error
}

func do(t *testing.T, h *hubtest.Hub, method, path, contentType, accept, body string) exchange {
	t.Helper()
	req, _ := http.NewRequest(method, h.Server.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	x := exchange{status: resp.StatusCode, header: resp.Header, body: string(b)}
	json.Unmarshal(b, &x.raw)
	json.Unmarshal(x.raw["errors"], &x.errors)
	return x
}

// Mistakes in a request are answered with a message that says what was expected.
func TestErrorsSayHowToFixThem(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	post := func(body string) exchange { return do(t, h, "POST", "/graphql", "application/json", "", body) }
	notJSON := "this is not JSON: " + strings.Repeat("and it goes on ", 100)
	for _, c := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"a missing variable", `{"query":"query($n: Int!) { members(first: $n) { totalCount } }"}`, 200,
			`variable $n of type Int! was not given`},
		{"a string for an Int", `{"query":"query($n: Int!) { members(first: $n) { totalCount } }","variables":{"n":"3"}}`, 200,
			`$n: expected an Int, a whole number between -2147483648 and 2147483647 written without quotes; got the string "3"`},
		{"an enum value in lower case", `{"query":"query($s: [FundingStatus!]) { fundingOpportunities(filter: {status: $s}) { totalCount } }","variables":{"s":["open"]}}`, 200,
			`$s[0]: "open" is not a FundingStatus; the values are FORTHCOMING, OPEN, CLOSED (as written, in capitals)`},
		{"a number for a String", `{"query":"query($q: String!) { search(query: $q) { totalCount } }","variables":{"q":2024}}`, 200,
			`$q: expected a String, in quotes; got the number 2024`},
		// A custom scalar is read while the query runs, in its field's context, and stays the caller's.
		{"a date that is not one", `{"query":"{ fundingOpportunities(filter: {deadlineBefore: \"2026-13-45\"}) { totalCount } }"}`, 200,
			`"2026-13-45" is not a date YYYY-MM-DD`},
		{"variables as a JSON string", `{"query":"query($n: Int!) { members(first: $n) { totalCount } }","variables":"{\"n\":3}"}`, 400,
			`the parameter variables must be a JSON object, not a string holding one: send {"variables": {"first": 3}}, not {"variables": "{\"first\": 3}"}`},
		{"a body that is not JSON", notJSON, 400,
			`the request body is not JSON (invalid character 'h' in literal true (expecting 'r')): ` + fmt.Sprintf("%q", notJSON[:100]) + fmt.Sprintf("… (%d characters)", len(notJSON))},
		{"no query", `{"variables":{}}`, 400, `the request has no query: send the GraphQL document in the parameter "query"`},
		{"a misspelt key", `{"qeury":"{ themes { code } }"}`, 400,
			`the request has an unknown parameter "qeury"; the parameters are query, operationName, variables and extensions`},
		{"a JSON list", `[{"query":"{ themes { code } }"}]`, 400,
			`the request body must be a JSON object such as {"query": "{ themes { code } }"}; got a list`},
		{"a number for the query", `{"query":3}`, 400, `the parameter query must be a string; got a number`},
		{"101 ids", fmt.Sprintf(`{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":[%s]}}`,
			strings.TrimSuffix(strings.Repeat(`"TWVtYmVyOjE",`, 101), ",")), 200, `nodes takes at most 100 ids; got 101 (ask in several requests)`},
	} {
		x := post(c.body)
		if x.status != c.status || len(x.errors) != 1 || x.errors[0].Message != c.message {
			t.Errorf("%s: %d %+v\nwant %d %q", c.name, x.status, x.errors, c.status, c.message)
		}
	}
	// A hundred ids are answered, each priced.
	x := post(fmt.Sprintf(`{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":[%s]}}`,
		strings.TrimSuffix(strings.Repeat(`"TWVtYmVyOjE",`, 100), ",")))
	var ext struct{ Cost int }
	json.Unmarshal(x.raw["extensions"], &ext)
	if x.status != 200 || len(x.errors) > 0 || ext.Cost != 1+100*1 {
		t.Errorf("100 ids: %d %v, cost %d; want 101", x.status, x.errors, ext.Cost)
	}
}

// Every error of every response has a code and the request's id, whatever refused it: gqlgen, the
// HTTP layer, authentication, the rate limit, a CSV export.
func TestEveryErrorHasACode(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	get := func(q string) string { return "/graphql?query=" + url.QueryEscape(q) }
	type request struct{ method, path, contentType, accept, body string }
	cases := map[string]request{
		"a mutation over GET":            {"GET", get(`mutation { deleteMember(input: {id: "x"}) { deletedId } }`), "", "", ""},
		"GET without a query":            {"GET", "/graphql", "", "", ""},
		"GET with variables not JSON":    {"GET", get(`{ themes { code } }`) + "&variables=%7Bn", "", "", ""},
		"GET with a misspelt query":      {"GET", "/graphql?qeury=" + url.QueryEscape(`{ themes { code } }`), "", "", ""},
		"PUT":                            {"PUT", "/graphql", "application/json", "", `{"query":"{ themes { code } }"}`},
		"text/plain":                     {"POST", "/graphql", "text/plain", "", `{"query":"{ themes { code } }"}`},
		"a parse error":                  {"POST", "/graphql", "application/json", "", `{"query":"{ themes { code "}`},
		"a validation error":             {"POST", "/graphql", "application/json", "", `{"query":"{ themes { nosuch } }"}`},
		"an unknown operation":           {"POST", "/graphql", "application/json", "", `{"query":"query A { themes { code } }","operationName":"B"}`},
		"too many tokens":                {"POST", "/graphql", "application/json", "", `{"query":"{` + strings.Repeat(" themes { code }", 3000) + `}"}`},
		"an unknown export":              {"GET", "/export/nosuch.csv", "", "", ""},
		"an export with a bad filter":    {"GET", "/export/members.csv?filter=" + url.QueryEscape(`{"kind":["nosuch"]}`), "", "", ""},
		"an export with filter not JSON": {"GET", "/export/members.csv?filter=%7B", "", "", ""},
	}
	for name, r := range cases {
		for _, accept := range []string{"", "application/graphql-response+json"} {
			x := do(t, h, r.method, r.path, r.contentType, accept, r.body)
			if len(x.errors) == 0 || x.status >= 500 {
				t.Errorf("%s (Accept %q): %d without errors", name, accept, x.status)
			}
			for _, e := range x.errors {
				if e.Extensions["code"] == nil || e.Extensions["requestId"] != x.header.Get("X-Request-Id") {
					t.Errorf("%s (Accept %q): %+v; want a code and the request id %s", name, accept, e, x.header.Get("X-Request-Id"))
				}
			}
			// A request error has no data entry (GraphQL-over-HTTP: the request never ran).
			if _, ok := x.raw["data"]; ok {
				t.Errorf("%s (Accept %q): %d with a data entry", name, accept, x.status)
			}
		}
	}
	// A URL's other parameters (a cache buster) are ignored, unless the query is missing.
	if x := do(t, h, "GET", get(`{ themes { code } }`)+"&_=1764633600", "", "", ""); x.status != 200 || len(x.errors) > 0 {
		t.Errorf("GET with a cache buster: %d %v", x.status, x.errors)
	}
	if x := do(t, h, "GET", cases["GET with a misspelt query"].path, "", "", ""); x.status != 400 || len(x.errors) != 1 ||
		x.errors[0].Message != `the request has no query, and an unknown parameter "qeury"; the parameters are query, operationName, variables and extensions` {
		t.Errorf("GET with a misspelt query: %d %v", x.status, x.errors)
	}
	// A mutation over GET is 405 with Allow: POST; under the specification's media type a parse or
	// validation failure is 400, under application/json 200.
	if x := do(t, h, "GET", cases["a mutation over GET"].path, "", "", ""); x.status != 405 || x.header.Get("Allow") != "POST" {
		t.Errorf("a mutation over GET: %d, Allow %q", x.status, x.header.Get("Allow"))
	}
	for _, name := range []string{"a parse error", "a validation error"} {
		r := cases[name]
		if x := do(t, h, r.method, r.path, r.contentType, "application/graphql-response+json", r.body); x.status != 400 {
			t.Errorf("%s under application/graphql-response+json: %d", name, x.status)
		}
		if x := do(t, h, r.method, r.path, r.contentType, "application/json", r.body); x.status != 200 {
			t.Errorf("%s under application/json: %d", name, x.status)
		}
	}
}

// An export the hub cannot serve (its database gone) is a 503 with a code, not the caller's 400.
func TestFailedExportIsTheHubs(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, false)
	h.DB().Pool.Close()
	x := do(t, h, "GET", "/export/members.csv", "", "", "")
	if x.status != http.StatusServiceUnavailable || len(x.errors) == 0 || x.errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" ||
		x.errors[0].Extensions["requestId"] != x.header.Get("X-Request-Id") {
		t.Errorf("an export without its database: %d %+v", x.status, x.errors)
	}
}

// A caller over its rate is refused before its token is looked up: the refusals run no SQL.
func TestRateLimitedBeforeTokenLookup(t *testing.T) {
	t.Parallel()
	h := hubtest.StartWith(t, false, func(c *config.Config) { c.RateLimit = 1; c.TokenRateLimit = 1 })
	token := h.NewToken(db.RolePartner, "")
	send := func(authorization string) (int, int64) {
		var n atomic.Int64
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(`{"query":"{ viewer { role } }"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", authorization)
		req = req.WithContext(db.WithStatementCounter(req.Context(), &n))
		rec := httptest.NewRecorder()
		h.Handler.ServeHTTP(rec, req)
		return rec.Code, n.Load()
	}
	for name, authorization := range map[string]string{
		"a valid token":  "Bearer " + token,
		"a forged token": "Bearer hub_" + strings.Repeat("x", 43),
	} {
		limited := 0
		for range 10 {
			code, statements := send(authorization)
			if code == http.StatusTooManyRequests {
				limited++
				if statements > 0 {
					t.Errorf("%s: a 429 after %d SQL statements", name, statements)
				}
			}
		}
		// A burst of 3 at one a second.
		if limited < 6 {
			t.Errorf("%s: %d of 10 rapid requests limited", name, limited)
		}
	}
}

// A request whose client went away is not parsed, validated or priced: it stops with TIMEOUT, having
// run no SQL.
func TestCancelledRequestStopsBeforeWork(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	var n atomic.Int64
	ctx, cancel := context.WithCancel(db.WithStatementCounter(context.Background(), &n))
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ members { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, req)
	var r hubtest.Response
	json.Unmarshal(rec.Body.Bytes(), &r)
	if codes := hubtest.ErrorCodes(r.Errors); len(codes) != 1 || codes[0] != "TIMEOUT" || n.Load() > 0 {
		t.Errorf("a cancelled request: %d %s, %d statements", rec.Code, rec.Body, n.Load())
	}
}

// A long document (its comments and strings are not bounded by the token limit) is answered but not
// kept: persisted by its hash, it is not found again.
func TestLongDocumentsAreNotCached(t *testing.T) {
	t.Parallel()
	h := hubtest.Shared(t)
	for _, c := range []struct {
		query string
		kept  bool
	}{
		{"# " + strings.Repeat("a comment ", 4000) + "\n{ themes { code } }", false},
		{"# short\n{ themes { code } }", true},
	} {
		sum := sha256.Sum256([]byte(c.query))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		first, _ := json.Marshal(map[string]any{"query": c.query, "extensions": ext})
		again, _ := json.Marshal(map[string]any{"extensions": ext})
		if x := do(t, h, "POST", "/graphql", "application/json", "", string(first)); x.status != 200 || len(x.errors) > 0 {
			t.Errorf("%d bytes: %d %v", len(c.query), x.status, x.errors)
		}
		x := do(t, h, "POST", "/graphql", "application/json", "", string(again))
		if found := len(x.errors) == 0; found != c.kept {
			t.Errorf("%d bytes: found again by its hash %v, want %v (%v)", len(c.query), found, c.kept, x.errors)
		}
	}
}
