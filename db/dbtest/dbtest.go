// Package dbtest gives tests a real PostgreSQL: the server at DATABASE_URL when it is set, otherwise a
// throwaway cluster started from the machine's PostgreSQL binaries (the same code `hub serve` uses),
// shared by the tests of one package. Each call to NewDatabase makes a fresh, empty database on it.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/smartcommunities/hub/db/pgcluster"
)

var (
	once    sync.Once
	server  func(dbname string) string // DSN of a database on the test server
	cluster *pgcluster.Cluster
	dir     string
	err     error
)

// Main runs a package's tests and stops the throwaway cluster afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop(context.Background())
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func start() {
	if url := os.Getenv("DATABASE_URL"); url != "" {
		if _, err = pgx.ParseConfig(url); err != nil {
			return
		}
		server = func(name string) string {
			// A URL names its database in the path; in keyword/value form the last dbname wins.
			if u, perr := neturl.Parse(url); perr == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
				u.Path = "/" + name
				return u.String()
			}
			return url + " dbname=" + name
		}
		return
	}
	dir, err = os.MkdirTemp("", "hub-test-pg-")
	if err != nil {
		return
	}
	cluster, err = pgcluster.StartWithOptions(context.Background(), filepath.Join(dir, "pg"), "postgres",
		slog.New(slog.DiscardHandler), pgcluster.Options{Fast: true})
	if err == nil {
		server = cluster.DSN
	}
}

// NewDatabase creates an empty database for one test and returns its DSN.
func NewDatabase(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if err != nil {
		t.Fatalf("no PostgreSQL for the tests: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "hub_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, cerr := pgx.Connect(ctx, server("postgres"))
	if cerr != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", cerr)
	}
	defer conn.Close(ctx)
	if _, cerr := conn.Exec(ctx, fmt.Sprintf("create database %s", name)); cerr != nil {
		t.Fatalf("creating a test database: %v", cerr)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, server("postgres"))
		if err == nil {
			conn.Exec(ctx, fmt.Sprintf("drop database if exists %s with (force)", name))
			conn.Close(ctx)
		}
	})
	return server(name)
}

// Fingerprint sums every entity and link table, so that a test can prove a refused write changed
// nothing.
func Fingerprint(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (string, error) {
	var parts []string
	for _, table := range []string{"member", "member_country", "contact_point", "best_practice", "best_practice_translation",
		"best_practice_author", "best_practice_theme", "best_practice_mim", "best_practice_tool", "best_practice_funding",
		"digital_tool", "digital_tool_theme", "digital_tool_mim", "digital_tool_country", "funding_opportunity",
		"funding_opportunity_country", "funding_opportunity_theme"} {
		var sum string
		err := q.QueryRow(ctx, fmt.Sprintf("select coalesce(md5(string_agg(x::text, '|' order by x::text)), '') from %s x", table)).Scan(&sum)
		if err != nil {
			return "", err
		}
		parts = append(parts, table+"="+sum)
	}
	return strings.Join(parts, ","), nil
}
