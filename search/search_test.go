package search

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/db/dbtest"
	"github.com/smartcommunities/hub/db/seed"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	demoOnce  sync.Once
	demoIndex *Index
	demoDB    *db.DB
)

// openDemo is one index over the demo data, built in process, shared by the tests that only read.
func openDemo(t *testing.T) (*Index, *db.DB) {
	demoOnce.Do(func() {
		demoIndex, demoDB = newIndex(&sharedTB{t}, true)
	})
	if demoIndex == nil {
		t.Fatal("the demo index failed to build")
	}
	return demoIndex, demoDB
}

type sharedTB struct{ testing.TB }

func (sharedTB) Cleanup(func()) {}

// newIndex opens a database (with the demo data when demo is true) and a fully built index over it.
func newIndex(t testing.TB, demo bool) (*Index, *db.DB) {
	t.Helper()
	ctx := context.Background()
	dsn := dbtest.NewDatabase(t)
	if _, err := db.Migrate(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.LoadReference(ctx); err != nil {
		t.Fatal(err)
	}
	if demo {
		if err := d.InTx(ctx, func(d *db.DB) error { return seed.Demo(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	x, err := Open(ctx, dir, d, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close(); d.Close() })
	return x, d
}

func find(t *testing.T, x *Index, d *db.DB, r Request) *Result {
	t.Helper()
	r.Today = d.Today()
	res, err := x.Search(context.Background(), r)
	if err != nil {
		t.Fatalf("search %q: %v", r.Query, err)
	}
	return res
}
