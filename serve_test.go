package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/config"
	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/hubtest/wait"
)

func TestMain(m *testing.M) { hubtest.Main(m) }

// Two hubs starting at once on one empty database both come up; migrations and demo data happen once.
func TestTwoHubsStartTogetherOnOneDatabase(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	var addrs []string
	errs := make(chan error, 2)
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		ln.Close()
	}
	var migrations atomic.Int32
	for _, addr := range addrs {
		dataDir := t.TempDir() // each hub its own search index
		go func() {
			// What serve does first, counted: the two migrate concurrently.
			n, err := db.Migrate(ctx, dsn)
			migrations.Add(n)
			if err != nil {
				errs <- err
				return
			}
			cfg := config.Default()
			cfg.Addr, cfg.DatabaseURL, cfg.DataDir = addr, dsn, dataDir
			errs <- serve(ctx, cfg)
		}()
	}
	for _, addr := range addrs {
		wait.For(t, addr+" to be ready", 30*time.Second, func() bool {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var version, members, funding, tokens int
	conn.QueryRow(ctx, "select version from schema_version").Scan(&version)
	conn.QueryRow(ctx, "select count(*) from member").Scan(&members)
	conn.QueryRow(ctx, "select count(*) from funding_opportunity").Scan(&funding)
	conn.QueryRow(ctx, "select count(*) from api_token").Scan(&tokens)
	files, _ := filepath.Glob("db/migrations/*.sql")
	if int(migrations.Load()) != len(files) {
		t.Errorf("%d migrations ran in all, want each of the %d once", migrations.Load(), len(files))
	}
	if version != len(files) || members != 25 || funding != 20 {
		t.Errorf("schema version %d, %d members, %d calls: want %d, 25, 20 (migrated and seeded once)", version, members, funding, len(files))
	}
	if tokens != 1 {
		t.Errorf("%d tokens after the first start of two hubs: want one first admin token", tokens)
	}

	// Each keeps its own search index in step: a practice written through one is found through both.
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, admin, _, err := d.CreateAPIToken(ctx, &db.CreateAPITokenInput{Name: "test", Role: db.RoleAdmin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hubs := make([]*hubProcess, len(addrs))
	for i, addr := range addrs {
		hubs[i] = &hubProcess{addr: addr, token: admin}
		hubs[i].waitCaughtUp(t)
	}
	var m struct {
		Members struct{ Nodes []struct{ ID string } }
	}
	if err := hubs[0].post(`{ members(first: 1) { nodes { id } } }`, nil, &m); err != nil {
		t.Fatal(err)
	}
	var created any
	if err := hubs[0].post(`mutation($a: [ID!]!) { createBestPractice(input: {title: "Narwhalgrid street lighting",
		language: "en", country: "IE", year: 2026, status: PUBLISHED, authors: $a}) { bestPractice { id } } }`,
		map[string]any{"a": []string{m.Members.Nodes[0].ID}}, &created); err != nil {
		t.Fatal(err)
	}
	for _, h := range hubs {
		wait.For(t, "hub "+h.addr+" to find the practice written through "+hubs[0].addr, 5*time.Second, func() bool {
			var r hubtest.SearchResult
			if err := h.post(hubtest.SearchQuery, map[string]any{"q": "narwhalgrid"}, &r); err != nil {
				t.Fatal(err)
			}
			return r.Search.TotalCount == 1
		})
	}
	cancel()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("serve returned %v", err)
		}
	}
}
