// Package hubtest starts real hubs for tests: a fresh database on a throwaway PostgreSQL (dbtest), the
// backend and HTTP handler `hub serve` uses, on a real listener, and a client that talks GraphQL to it
// over HTTP. Tests of any package use it, so they can live next to what they test.
package hubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartcommunities/hub/backend"
	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
	"github.com/smartcommunities/hub/httpapi"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// Main runs a package's tests (call it from TestMain): only warnings and errors are logged, since the
// info lines of every hub a test starts would bury the test output, and the throwaway PostgreSQL is
// stopped at the end.
func Main(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	dbtest.Main(m)
}

// Hub is a hub serving a fresh database over a real HTTP listener, and a client of it.
type Hub struct {
	T       testing.TB
	Backend *backend.Backend
	Config  config.Config
	Handler http.Handler
	Server  *httptest.Server
	// Token is sent as the bearer token of every request, when set (As).
	Token string

	stopOnce *sync.Once
}

// Config is the configuration of a test hub: the defaults, on a new database and data directory, with
// no rate limits (tests send many requests from one address).
func Config(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.DatabaseURL = dbtest.NewDatabase(t)
	cfg.DataDir = dataDir(t)
	cfg.RateLimit, cfg.TokenRateLimit, cfg.ApplicationsPerHour = 0, 0, 0
	return cfg
}

// New starts a hub on a new database, with the demo data when demo is true.
func New(t testing.TB, demo bool) *Hub {
	t.Helper()
	return Start(t, Config(t), demo)
}

// Start starts a hub with cfg as `hub serve` would, on a listener of its own; it stops with the test.
func Start(t testing.TB, cfg config.Config, demo bool) *Hub {
	t.Helper()
	ctx := context.Background()
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	if demo {
		if err := b.SeedDemoIfEmpty(ctx); err != nil {
			t.Fatalf("seeding: %v", err)
		}
	}
	if err := b.StartOIDC(ctx, cfg); err != nil {
		t.Fatalf("OIDC: %v", err)
	}
	if err := b.StartSearch(ctx, cfg); err != nil {
		t.Fatalf("opening the search index: %v", err)
	}
	b.StartFollowing(ctx)
	b.StartLive(ctx, cfg)
	h := &Hub{T: t, Backend: b, Config: cfg, Handler: httpapi.NewHandler(b, cfg), stopOnce: new(sync.Once)}
	h.Server = httptest.NewServer(h.Handler)
	t.Cleanup(h.Stop)
	return h
}

// Stop stops the hub; stopping it again does nothing.
func (h *Hub) Stop() {
	h.stopOnce.Do(func() {
		// As `hub serve` does on shutdown: WebSockets are hijacked, and the server's Close does not end them.
		h.Backend.Live.Shutdown()
		h.Server.Close()
		h.Backend.Close(context.Background())
	})
}

// DB is the hub's database service.
func (h *Hub) DB() *db.DB { return h.Backend.DB }

// URL is the hub's base URL (http://127.0.0.1:port).
func (h *Hub) URL() string { return h.Server.URL }

// As returns a client of the same hub that sends token; "" is anonymous.
func (h *Hub) As(token string) *Hub {
	c := *h
	c.Token = token
	return &c
}

// For returns a client of the same hub that reports to t: a subtest's client.
func (h *Hub) For(t testing.TB) *Hub {
	c := *h
	c.T = t
	return &c
}

// NewToken creates a token of role, bound to the member with this slug for an editor, and returns its
// secret.
func (h *Hub) NewToken(role db.Role, memberSlug string) string {
	h.T.Helper()
	ctx := context.Background()
	in := db.CreateAPITokenInput{Name: "test " + string(role), Role: role}
	if memberSlug != "" {
		m, err := h.DB().MemberBySlug(ctx, memberSlug)
		if err != nil || m == nil {
			h.T.Fatalf("no member %q: %v", memberSlug, err)
		}
		id := db.MemberID(m.ID)
		in.Member = &id
	}
	_, secret, errs, err := h.DB().CreateAPIToken(ctx, &in, nil)
	if err != nil || len(errs) > 0 {
		h.T.Fatalf("creating a token: %v %v", err, errs)
	}
	return secret
}

// Admin returns a client of the same hub with a new admin token.
func (h *Hub) Admin() *Hub { return h.As(h.NewToken(db.RoleAdmin, "")) }

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
	sharedOnce sync.Once
	shared     *Hub
)

// Shared is one demo hub per test binary, for the tests that only read.
func Shared(t *testing.T) *Hub {
	sharedOnce.Do(func() {
		// Not t: the hub outlives the first test that asks for it.
		shared = New(&sharedTB{TB: t}, true)
	})
	if shared == nil {
		t.Fatal("the shared demo hub failed to start")
	}
	return shared.For(t)
}

// sharedTB is a testing.TB whose cleanups never run: the shared hub lives as long as the test binary.
type sharedTB struct{ testing.TB }

func (s *sharedTB) Cleanup(func()) {}

// Error is a GraphQL error as a response carries it.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a GraphQL response and its HTTP status.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
	Status int             `json:"-"`
}

// Post sends a GraphQL request over HTTP.
func (h *Hub) Post(query string, vars map[string]any) Response {
	h.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return h.send(req)
}

// send sends a request as the hub's client (with its token) and decodes the GraphQL response.
func (h *Hub) send(req *http.Request) Response {
	h.T.Helper()
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	var r Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		h.T.Fatalf("decoding the response (status %d): %v", resp.StatusCode, err)
	}
	r.Status = resp.StatusCode
	return r
}

// PostFile sends a GraphQL request with a file, as the GraphQL multipart request specification says:
// the file goes into the variable named variable (null in the operations part).
func (h *Hub) PostFile(query string, vars map[string]any, variable, filename string, content []byte) Response {
	h.T.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars[variable] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	fileMap, _ := json.Marshal(map[string][]string{"0": {"variables." + variable}})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", string(fileMap))
	fw, _ := mw.CreateFormFile("0", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return h.send(req)
}

// Query sends a request that must succeed and decodes its data into out.
func (h *Hub) Query(query string, vars map[string]any, out any) {
	h.T.Helper()
	r := h.Post(query, vars)
	if len(r.Errors) > 0 {
		h.T.Fatalf("query failed: %+v\n%s", r.Errors, query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		h.T.Fatalf("decoding data: %v\n%s", err, r.Data)
	}
}

// CountStatements runs a request through the hub's handler, in process, and returns how many SQL
// statements it ran.
func (h *Hub) CountStatements(query string) (int64, Response) {
	h.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	// What is counted is the work of answering, not of finding the answer in the response cache.
	h.DB().Version().Advance()
	var n atomic.Int64
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(db.WithStatementCounter(req.Context(), &n))
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, req)
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		h.T.Fatalf("decoding: %v", err)
	}
	return n.Load(), r
}

// ErrorCodes lists the extensions.code of each error.
func ErrorCodes(errs []Error) []string {
	var codes []string
	for _, e := range errs {
		c, _ := e.Extensions["code"].(string)
		codes = append(codes, c)
	}
	return codes
}

// WaitSearch waits until the hub's index is built and has applied every committed change.
func (h *Hub) WaitSearch() {
	h.T.Helper()
	wait.For(h.T, "the search index to catch up", 60*time.Second, func() bool {
		st, err := h.Backend.Search.Status(context.Background())
		return err == nil && st.State == "ready" && st.Pending == 0
	})
}

// StartWith starts a hub with the test configuration as change leaves it.
func StartWith(t testing.TB, demo bool, change func(*config.Config)) *Hub {
	t.Helper()
	cfg := Config(t)
	change(&cfg)
	return Start(t, cfg, demo)
}

// Get fetches u and returns its status and body.
func Get(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
