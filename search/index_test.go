package search

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/smartcommunities/hub/db"
	"github.com/smartcommunities/hub/hubtest/wait"
)

// running starts the indexer of x until stop is called or the test ends.
func running(t *testing.T, x *Index) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	wait.For(t, what, 30*time.Second, cond)
}

func (x *Index) currentHandleName() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.current == nil {
		return ""
	}
	return x.current.name
}

func countAll(t *testing.T, x *Index, d *db.DB) int {
	t.Helper()
	res, err := x.Search(context.Background(), Request{Access: db.ReadAccess{All: true}, Filter: Filter{Status: []string{"DRAFT", "PUBLISHED", "ARCHIVED",
		"ACTIVE", "SUSPENDED", "LEFT", "UNDER_DEVELOPMENT", "COMPLETED", "DEPRECATED", "OPEN", "CLOSED", "FORTHCOMING"}},
		Today: d.Today()})
	if err != nil {
		t.Fatal(err)
	}
	return res.TotalCount
}

// `hub reindex` builds a new index next to the one a hub serves from; the hub switches to it and removes
// the old one.
func TestReindexWhileServing(t *testing.T) {
	x, d := newIndex(t, true)
	old := x.currentHandleName()
	want := countAll(t, x, d)
	name, err := Build(context.Background(), x.dir, d, func(int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(x.dir, old)); err != nil {
		t.Errorf("hub reindex removed the index a hub still serves from: %v", err)
	}
	running(t, x) // the indexer notices the new index
	waitFor(t, "the hub to switch to the new index", func() bool { return x.currentHandleName() == name })
	waitFor(t, "the old index to be removed", func() bool {
		_, err := os.Stat(filepath.Join(x.dir, old))
		return os.IsNotExist(err)
	})
	if got := countAll(t, x, d); got != want || want < 100 {
		t.Errorf("after reindexing %d documents, before %d", got, want)
	}
}

// An index built with another mapping version, or one that cannot be read, is rebuilt on start, and
// answers no search before.
func TestIndexRebuiltWhenStaleOrBroken(t *testing.T) {
	x, d := newIndex(t, true)
	want := countAll(t, x, d)
	dataDir := filepath.Dir(x.dir)
	stop := func() {}
	for _, c := range []struct {
		name    string
		breakIt func(dir string) error
	}{
		{"another mapping version", func(dir string) error {
			idx, err := bleve.Open(dir)
			if err != nil {
				return err
			}
			idx.SetInternal(keyMapping, []byte("0"))
			return idx.Close()
		}},
		{"unreadable", func(dir string) error {
			entries, err := os.ReadDir(dir)
			for _, e := range entries {
				os.WriteFile(filepath.Join(dir, e.Name()), []byte("not an index"), 0o644)
			}
			return err
		}},
	} {
		name := x.currentHandleName()
		stop()
		x.Close()
		if err := c.breakIt(filepath.Join(x.dir, name)); err != nil {
			t.Fatal(err)
		}
		y, err := Open(context.Background(), dataDir, d, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if !y.needsRebuild {
			t.Fatalf("%s: not marked for rebuilding", c.name)
		}
		if _, err := y.Search(context.Background(), Request{Query: "city", Today: d.Today()}); err == nil {
			t.Errorf("%s: answered a search before the rebuild", c.name)
		}
		stop = running(t, y)
		waitFor(t, "the rebuild", func() bool { return y.currentHandleName() != "" && !y.building.Load() })
		if got := countAll(t, y, d); got != want {
			t.Errorf("%s: after the rebuild %d documents, before %d", c.name, got, want)
		}
		x = y
	}
}

// A build holds one document per entity in PostgreSQL.
func TestBuildHoldsEveryEntity(t *testing.T) {
	x, d := newIndex(t, true)
	var want uint64
	d.Pool.QueryRow(context.Background(), `select (select count(*) from best_practice) + (select count(*) from digital_tool) +
		(select count(*) from funding_opportunity) + (select count(*) from member)`).Scan(&want)
	x.mu.RLock()
	got, err := x.current.idx.DocCount()
	x.mu.RUnlock()
	if err != nil || got != want || want < 100 {
		t.Errorf("the index holds %d documents (%v), PostgreSQL %d entities", got, err, want)
	}
}

// Changes are pruned after a while; an index that had not applied them by then is rebuilt.
func TestIndexOlderThanPrunedChangesIsRebuilt(t *testing.T) {
	x, d := newIndex(t, true)
	ctx := context.Background()
	x.Close()
	if _, err := d.Pool.Exec(ctx, `update best_practice set title = title || ' (revised)' where id = (select min(id) from best_practice)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `update search_change set changed_at = now() - interval '8 days'`); err != nil {
		t.Fatal(err)
	}
	if n, err := d.PruneSearchChanges(ctx, 7*24*time.Hour); err != nil || n == 0 {
		t.Fatalf("pruned %d changes: %v", n, err)
	}
	y, err := Open(ctx, filepath.Dir(x.dir), d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if !y.needsRebuild {
		t.Error("an index that missed pruned changes was not marked for rebuilding")
	}
	if _, err := y.Search(ctx, Request{Query: "revised", Today: d.Today()}); err != nil {
		t.Errorf("the old index should keep answering until the rebuild: %v", err)
	}
}

// An index built from another database (HUB_DATA_DIR reused with another DATABASE_URL) is not served:
// it is rebuilt from this one.
func TestIndexOfAnotherDatabaseIsRebuilt(t *testing.T) {
	x, _ := newIndex(t, true)
	x.Close()
	_, other := newIndex(t, true) // the same demo data, in another database
	y, err := Open(context.Background(), filepath.Dir(x.dir), other, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if !y.needsRebuild || y.currentHandleName() != "" {
		t.Error("the index of another database was opened for serving")
	}
}

// Without a hub serving, hub reindex replaces the index and removes the old one.
func TestReindexWithoutAHubRemovesTheOldIndex(t *testing.T) {
	x, d := newIndex(t, true)
	x.Close()
	for range 2 {
		if _, err := Build(context.Background(), x.dir, d, func(int, int) {}); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(x.dir)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 1 {
		t.Errorf("after two reindexes the index directory holds %v, want only the current index", dirs)
	}
}
