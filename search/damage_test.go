package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartcommunities/hub/db"
)

// copyDir copies the index directory src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		to := filepath.Join(dst, strings.TrimPrefix(path, src))
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flip inverts 16 bytes of the file at a fraction of its length, in place, as a bad disk or a stray
// write would.
func flip(at float64) func(string) error {
	return func(path string) error {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		off := int64(float64(fi.Size()) * at)
		b := make([]byte, min(16, fi.Size()-off))
		if _, err := f.ReadAt(b, off); err != nil {
			return err
		}
		for i := range b {
			b[i] ^= 0xA5
		}
		_, err = f.WriteAt(b, off)
		return err
	}
}

func truncate(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, fi.Size()/2)
}

func zero(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, make([]byte, fi.Size()), 0o644)
}

// segmentOf is the path of the segment of the index at dir that a build leaves merged: the largest
// (the segments merged into it may not be removed yet).
func segmentOf(t *testing.T, dir string) string {
	t.Helper()
	zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	var largest string
	var size int64
	for _, z := range zaps {
		if fi, err := os.Stat(z); err == nil && fi.Size() > size {
			largest, size = z, fi.Size()
		}
	}
	if largest == "" {
		t.Fatalf("the index at %s holds no segment", dir)
	}
	return largest
}

func movedAside(x *Index) []string {
	aside, _ := filepath.Glob(filepath.Join(x.dir, "damaged-*"))
	return aside
}

// A damaged index never stops the hub: flipped, cut or zeroed bytes in a segment or in the files that
// describe it are found on open, the index is moved aside (kept for inspection), searches answer
// SEARCH_UNAVAILABLE, and a rebuild brings every document back.
func TestDamagedIndexIsMovedAsideAndRebuilt(t *testing.T) {
	x, d := newIndex(t, true)
	want := countAll(t, x, d)
	pristine := filepath.Join(x.dir, x.currentHandleName())
	x.Close()
	type damage struct {
		file string // under the index directory; "segment" is the segment
		how  string
		do   func(string) error
		// found: the damage must be detected; bytes bbolt never reads (free pages, the spare meta page)
		// change nothing, and the index may serve as it is.
		found bool
	}
	var cases []damage
	for _, at := range []float64{0, 0.5, 0.999} {
		cases = append(cases, damage{"segment", fmt.Sprintf("flipped at %.1f%%", at*100), flip(at), true})
	}
	cases = append(cases, damage{"segment", "truncated", truncate, true}, damage{"segment", "zeroed", zero, true})
	for _, at := range []float64{0, 0.3, 0.99} {
		cases = append(cases, damage{"store/root.bolt", fmt.Sprintf("flipped at %.0f%%", at*100), flip(at), false})
	}
	cases = append(cases, damage{"store/root.bolt", "truncated", truncate, false}, damage{"store/root.bolt", "zeroed", zero, true})
	cases = append(cases, damage{"index_meta.json", "flipped", flip(0.3), true}, damage{"index_meta.json", "zeroed", zero, true})
	for _, c := range cases {
		t.Run(c.file+" "+c.how, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			name := filepath.Base(pristine)
			dir := filepath.Join(dataDir, "index", name)
			copyDir(t, pristine, dir)
			if err := os.WriteFile(filepath.Join(dataDir, "index", currentFile), []byte(name+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, c.file)
			if c.file == "segment" {
				file = segmentOf(t, dir)
			}
			if err := c.do(file); err != nil {
				t.Fatal(err)
			}
			y, err := Open(context.Background(), dataDir, d, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatalf("opening a damaged index failed instead of rebuilding it: %v", err)
			}
			defer y.Close()
			if c.found {
				if y.currentHandleName() != "" {
					t.Error("the damaged index serves")
				}
				if _, err := y.Search(context.Background(), Request{Query: "city", Today: d.Today()}); !errors.As(err, new(*ErrUnavailable)) {
					t.Errorf("a search of the damaged index answered %v, want it unavailable", err)
				}
				if aside := movedAside(y); len(aside) != 1 {
					t.Errorf("the damaged index was not moved aside: %v", aside)
				} else if _, err := os.Stat(filepath.Join(aside[0], strings.TrimPrefix(file, dir))); err != nil {
					t.Errorf("the damaged index was not kept for inspection: %v", err)
				}
			}
			if y.currentHandleName() == "" {
				running(t, y)
				waitFor(t, "the rebuild", func() bool { return y.currentHandleName() != "" && !y.building.Load() })
			}
			if got := countAll(t, y, d); got != want {
				t.Errorf("after the damage %d documents, before %d", got, want)
			}
		})
	}
}

// Damage that appears while the hub serves (here the stored documents of the segment Bleve has mapped)
// makes searches answer SEARCH_UNAVAILABLE, not panic; the index is moved aside and rebuilt.
func TestIndexDamagedWhileServingIsRebuilt(t *testing.T) {
	x, d := newIndex(t, true)
	want := countAll(t, x, d)
	name := x.currentHandleName()
	running(t, x)
	seg := segmentOf(t, filepath.Join(x.dir, name))
	for at := 0.0; at < 0.2; at += 0.0001 {
		if err := flip(at)(seg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.Search(context.Background(), Request{Access: db.ReadAccess{All: true}, Today: d.Today()}); !errors.As(err, new(*ErrUnavailable)) {
		t.Fatalf("a search of the damaged index answered %v, want it unavailable", err)
	}
	waitFor(t, "the rebuild", func() bool {
		n := x.currentHandleName()
		return n != "" && n != name && !x.building.Load()
	})
	if got := countAll(t, x, d); got != want {
		t.Errorf("after the rebuild %d documents, before the damage %d", got, want)
	}
	if aside := movedAside(x); len(aside) != 1 || filepath.Base(aside[0]) != "damaged-"+name {
		t.Errorf("the damaged index was not moved aside: %v", aside)
	}
}
