package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
)

func TestMain(m *testing.M) {
	// Warnings and errors only: the info lines of every hub a test starts would bury the test output.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	dbtest.Main(m)
}

// testHub is a hub serving a fresh database over a real HTTP listener.
type testHub struct {
	t       testing.TB
	backend *Backend
	handler http.Handler
	server  *httptest.Server
	// token is sent as the bearer token of every request, when set (as).
	token string

	stopOnce sync.Once
}

// as returns a client of the same hub that sends token; "" is anonymous.
func (h *testHub) as(token string) *testHub {
	return &testHub{t: h.t, backend: h.backend, handler: h.handler, server: h.server, token: token}
}

// newToken creates a token of role, bound to the member with this slug for an editor, and returns its
// secret.
func (h *testHub) newToken(role db.Role, memberSlug string) string {
	h.t.Helper()
	ctx := context.Background()
	in := db.CreateApiTokenInput{Name: "test " + string(role), Role: role}
	if memberSlug != "" {
		m, err := h.backend.DB.MemberBySlug(ctx, memberSlug)
		if err != nil || m == nil {
			h.t.Fatalf("no member %q: %v", memberSlug, err)
		}
		gid := db.GlobalID("Member", m.ID)
		in.Member = &gid
	}
	_, secret, errs, err := h.backend.DB.CreateApiToken(ctx, &in, nil)
	if err != nil || len(errs) > 0 {
		h.t.Fatalf("creating a token: %v %v", err, errs)
	}
	return secret
}

// admin returns a client of the same hub with a new admin token.
func (h *testHub) admin() *testHub { return h.as(h.newToken(db.RoleAdmin, "")) }

// newHub starts a hub on a new database, with the demo data when demo is true.
func newHub(t testing.TB, demo bool) *testHub {
	t.Helper()
	return startHub(t, Config{DatabaseURL: dbtest.NewDatabase(t), DataDir: dataDir(t)}, demo)
}

// startHub starts a hub as `hub serve` would, on a listener of its own; it stops with the test.
func startHub(t testing.TB, cfg Config, demo bool) *testHub {
	t.Helper()
	ctx := context.Background()
	b, err := openBackend(ctx, cfg)
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	if demo {
		if err := seedDemoIfEmpty(ctx, b.DB); err != nil {
			t.Fatalf("seeding: %v", err)
		}
	}
	if err := b.startOIDC(ctx, cfg); err != nil {
		t.Fatalf("OIDC: %v", err)
	}
	if err := b.startSearch(ctx, cfg); err != nil {
		t.Fatalf("opening the search index: %v", err)
	}
	h := &testHub{t: t, backend: b, handler: NewHandler(b, cfg)}
	h.server = httptest.NewServer(h.handler)
	t.Cleanup(h.stop)
	return h
}

// stop stops the hub; stopping it again does nothing.
func (h *testHub) stop() {
	h.stopOnce.Do(func() {
		h.server.Close()
		h.backend.Close(context.Background())
	})
}

// dataDir is a hub's data directory (its search index): removed after the test, or, for the shared
// hub, left to the system's temporary directory, since it outlives every test.
func dataDir(t testing.TB) string {
	if _, shared := t.(*sharedTB); shared {
		dir, err := os.MkdirTemp("", "hub-test-data-")
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

var (
	demoOnce sync.Once
	demoHub  *testHub
)

// sharedDemoHub is one demo hub for the tests that only read.
func sharedDemoHub(t *testing.T) *testHub {
	demoOnce.Do(func() {
		// Not t: the hub outlives the first test that asks for it.
		demoHub = newHub(&sharedTB{TB: t}, true)
	})
	if demoHub == nil {
		t.Fatal("the shared demo hub failed to start")
	}
	return demoHub
}

// sharedTB is a testing.TB whose cleanups never run: the shared hub lives as long as the test binary.
type sharedTB struct{ testing.TB }

func (s *sharedTB) Cleanup(func()) {}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	Status int             `json:"-"`
}

// post sends a GraphQL request over HTTP.
func (h *testHub) post(query string, vars map[string]any) gqlResponse {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, h.server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		h.t.Fatalf("decoding the response (status %d): %v", resp.StatusCode, err)
	}
	r.Status = resp.StatusCode
	return r
}

// query sends a request that must succeed and decodes its data into out.
func (h *testHub) query(query string, vars map[string]any, out any) {
	h.t.Helper()
	r := h.post(query, vars)
	if len(r.Errors) > 0 {
		h.t.Fatalf("query failed: %+v\n%s", r.Errors, query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		h.t.Fatalf("decoding data: %v\n%s", err, r.Data)
	}
}

// countStatements runs a request through the hub's handler, in process, and returns how many SQL
// statements it ran.
func (h *testHub) countStatements(query string) (int64, gqlResponse) {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	var n atomic.Int64
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(db.WithStatementCounter(req.Context(), &n))
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		h.t.Fatalf("decoding: %v", err)
	}
	return n.Load(), r
}

func errorCodes(errs []gqlError) []string {
	var codes []string
	for _, e := range errs {
		c, _ := e.Extensions["code"].(string)
		codes = append(codes, c)
	}
	return codes
}

const membersNested = `{ members(first: 50) { totalCount edges { node { id name country { code }
	bestPractices(first: 5) { totalCount nodes { title tools { name } } } } } } }`

func TestDemoMembersWithNestedPracticesAndTools(t *testing.T) {
	h := sharedDemoHub(t)
	var data struct {
		Members struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, Name      string
					Country       struct{ Code string }
					BestPractices struct {
						TotalCount int
						Nodes      []struct {
							Title string
							Tools []struct{ Name string }
						}
					}
				}
			}
		}
	}
	h.query(membersNested, nil, &data)
	if data.Members.TotalCount < 25 || len(data.Members.Edges) != data.Members.TotalCount {
		t.Fatalf("want all of at least 25 demo members on one page, got %d of %d", len(data.Members.Edges), data.Members.TotalCount)
	}
	countries, practices, tools := map[string]bool{}, 0, 0
	for _, e := range data.Members.Edges {
		countries[e.Node.Country.Code] = true
		if n, total := len(e.Node.BestPractices.Nodes), e.Node.BestPractices.TotalCount; n != min(5, total) {
			t.Errorf("%s: %d practices on a page of 5 with totalCount %d", e.Node.Name, n, total)
		}
		for _, p := range e.Node.BestPractices.Nodes {
			practices++
			tools += len(p.Tools)
		}
	}
	if len(countries) < 20 {
		t.Errorf("demo members come from %d countries, want at least 20", len(countries))
	}
	if practices < 40 || tools < 20 {
		t.Errorf("nested data too thin: %d practices, %d tools", practices, tools)
	}
	var vng struct {
		Member struct {
			Name          string
			BestPractices struct{ Nodes []struct{ Title string } }
		}
	}
	h.query(`{ member(slug: "vng") { name bestPractices(first: 100) { nodes { title } } } }`, nil, &vng)
	if !strings.Contains(vng.Member.Name, "Netherlands") || len(vng.Member.BestPractices.Nodes) == 0 {
		t.Errorf("member(slug: vng) = %+v", vng.Member)
	}
}

// The batching promise: a nested query costs the same number of statements whatever its page size.
func TestNestedQueryStatementsDoNotGrowWithPageSize(t *testing.T) {
	h := sharedDemoHub(t)
	small := strings.Replace(membersNested, "first: 50", "first: 5", 1)
	// The fewest of three tries: on a machine busy enough, a loader's wait can end before a batch has
	// fully arrived and cost one statement more, now and then; a query that is not batched costs more
	// every time.
	fewest := func(q string) int64 {
		n := int64(-1)
		for range 3 {
			c, r := h.countStatements(q)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %v", r.Errors)
			}
			if n < 0 || c < n {
				n = c
			}
		}
		return n
	}
	n5, n50 := fewest(small), fewest(membersNested)
	if n5 != n50 {
		t.Errorf("first: 5 ran %d SQL statements, first: 50 ran %d: nested fields are not batched", n5, n50)
	}
	// members page + count, practice pages + counts, tools: five levels of batched loads.
	if n50 > 6 || n50 == 0 {
		t.Errorf("first: 50 ran %d statements, want at most 6", n50)
	}
	t.Logf("statements: first 5: %d, first 50: %d", n5, n50)
}
