package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/hubtest"
)

// go test -run '^$' -fuzz FuzzGraphQLRequest: whatever body arrives at /graphql, the answer is a
// response, never a 5xx or an internal error. Without -fuzz the seeds run as a test.
func FuzzGraphQLRequest(f *testing.F) {
	for _, s := range []string{`{"query":"{ themes { code } }"}`, `{not json`, `{"query": 1}`, "\xff\xfe{}",
		`{"query":"{ members(first: -1) { totalCount } }"}`,
		`{"query":"query($x: Int) { members(first: $x) { totalCount } }","variables":{"x":"a"}}`,
		`{"query":"{ search(query: \"\\\"x\") { totalCount } }"}`,
		`{"query":"{ node(id: \"QmVzdFByYWN0aWNlOjE\") { id } }"}`,
		`{"query":"mutation { createMember(input: {}) { userErrors { code } } }"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := hubtest.Shared(t)
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || strings.Contains(rec.Body.String(), "INTERNAL_SERVER_ERROR") {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body.String())
		}
	})
}
